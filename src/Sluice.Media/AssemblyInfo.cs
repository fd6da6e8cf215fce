namespace Sluice.Media;

namespace Sluice.Sfu;

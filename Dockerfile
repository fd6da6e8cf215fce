# Sluice node image: multi-stage, `dotnet publish` in the SDK image, run on the ASP.NET runtime image.
#   docker build -t sluice .
#   docker run --network host sluice            (one node on embedded defaults: HTTP and UDP 7777)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props Sluice.slnx ./
COPY src/ src/
RUN dotnet publish src/Sluice.Server/Sluice.Server.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# HTTP (WHIP/WHEP, rooms, API) and the one UDP port all media uses.
EXPOSE 7777/tcp 7777/udp
ENTRYPOINT ["dotnet", "sluice.dll"]

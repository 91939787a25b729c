// A TCP port on 127.0.0.1 that nothing listens on right now: the kernel picks one for a
// throwaway server, which closes before the port is returned. Another process can take it
// in between: the stand-in's function processes and the test harnesses accept that race.
import net from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

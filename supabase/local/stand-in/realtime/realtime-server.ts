// Realtime for the local stand-in: Phoenix channels over WebSocket (broadcast, presence,
// private topics authorized by the RLS policies on realtime.messages), the REST
// broadcast endpoints, and delivery of the rows realtime.send() inserts. This file owns
// the WebSocket server and the connections' lives; the jobs live beside it:
// channel-registry (who listens where, fan-out), presence, channel-lifecycle (join,
// token refresh, expiry, leave), phoenix-messages (what a frame asks for),
// rest-broadcast and database-broadcasts.
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Sql } from "postgres";
import { WebSocketServer, type WebSocket } from "ws";
import { apiKeyOf } from "../http-io.ts";
import { JwtRejectedError, type SigningKeys } from "../signing-keys.ts";
import { createChannelLifecycle, type ChannelLifecycle } from "./channel-lifecycle.ts";
import { createChannelRegistry, type ChannelRegistry } from "./channel-registry.ts";
import { protocolError, type Connection } from "./connection.ts";
import { listenForDatabaseBroadcasts } from "./database-broadcasts.ts";
import { SUPPORTED_VERSIONS, type ProtocolVersion } from "./phoenix-frames.ts";
import { createPhoenixMessageHandler, type PhoenixMessageHandler } from "./phoenix-messages.ts";
import { createPresence } from "./presence.ts";
import { createRestBroadcast } from "./rest-broadcast.ts";

export interface RealtimeLimits {
  maxChannelsPerConnection: number;
  maxMessagesPerSecond: number;
  /** Largest broadcast or presence payload accepted (hosted Free plan: 256 KB). */
  maxPayloadBytes: number;
}

export const DEFAULT_REALTIME_LIMITS: RealtimeLimits = {
  maxChannelsPerConnection: 100,
  maxMessagesPerSecond: 100,
  maxPayloadBytes: 256 * 1024,
};

export interface RealtimeOptions {
  sql: Sql;
  keys: SigningKeys;
  limits: RealtimeLimits;
  log: (line: string) => void;
}

function rejectUpgrade(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The server's moving parts and its one switch; the functions below take it rather than closing over it. */
interface ServerState {
  keys: SigningKeys;
  log: (line: string) => void;
  webSockets: WebSocketServer;
  registry: ChannelRegistry;
  lifecycle: ChannelLifecycle;
  messages: PhoenixMessageHandler;
  /** False while stopped or closed: upgrades are refused with 503, so clients see an outage. */
  accepting: boolean;
}

export function createRealtimeServer(options: RealtimeOptions) {
  const { sql, keys, limits, log } = options;
  const registry = createChannelRegistry();
  const presence = createPresence(registry);
  const lifecycle = createChannelLifecycle({ sql, keys, maxChannelsPerConnection: limits.maxChannelsPerConnection, registry, presence });
  const server: ServerState = {
    keys,
    log,
    webSockets: new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes * 4 }),
    registry,
    lifecycle,
    messages: createPhoenixMessageHandler({ limits, registry, presence, lifecycle, log }),
    accepting: true,
  };
  const rest = createRestBroadcast({ sql, keys, maxPayloadBytes: limits.maxPayloadBytes, registry });
  let stopListening: (() => Promise<void>) | undefined;

  return {
    handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => handleUpgrade(server, request, socket, head, url),
    handleRestBroadcast: rest.handleRestBroadcast,
    async listenForDatabaseBroadcasts(): Promise<void> {
      stopListening = await listenForDatabaseBroadcasts(sql, registry, log);
    },
    connectionCount: () => registry.connections.size,
    /** Drops every connection and refuses new ones until start(): clients see the outage and reconnect. */
    stop(): void {
      server.accepting = false;
      disconnectEveryone(server);
    },
    start(): void {
      server.accepting = true;
    },
    async close(): Promise<void> {
      server.accepting = false;
      disconnectEveryone(server);
      await stopListening?.();
      await new Promise<void>((resolve) => server.webSockets.close(() => resolve()));
    },
  };
}

/** Checks the vsn and the API key before the WebSocket handshake, so refusals are plain HTTP. */
async function handleUpgrade(server: ServerState, request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
  socket.on("error", () => socket.destroy());
  if (!server.accepting) return rejectUpgrade(socket, 503, "Realtime is not running");
  const version = (url.searchParams.get("vsn") ?? "1.0.0") as ProtocolVersion;
  if (!SUPPORTED_VERSIONS.includes(version)) return rejectUpgrade(socket, 400, `unsupported vsn ${version}`);
  const apiKey = apiKeyOf(request, url);
  if (!apiKey) return rejectUpgrade(socket, 401, "apikey query parameter or x-api-key header is missing");
  try {
    await server.keys.verify(apiKey);
  } catch (error) {
    if (error instanceof JwtRejectedError) return rejectUpgrade(socket, 403, `Invalid API key: ${error.message}`);
    throw error;
  }
  // stop() may have come while the key was checked.
  if (!server.accepting) return rejectUpgrade(socket, 503, "Realtime is not running");
  server.webSockets.handleUpgrade(request, socket, head, (webSocket) => onConnection(server, webSocket, version, apiKey));
}

function onConnection(server: ServerState, socket: WebSocket, version: ProtocolVersion, apiKey: string): void {
  const connection: Connection = {
    socket,
    version,
    apiKey,
    channels: new Map(),
    rateWindowStartedAt: Date.now(),
    messagesInWindow: 0,
    queue: Promise.resolve(),
  };
  server.registry.connections.add(connection);
  socket.on("message", (data, isBinary) => {
    try {
      server.messages.onFrame(connection, data, isBinary);
    } catch (error) {
      server.log(`[stand-in realtime] frame rejected: ${error instanceof Error ? error.message : String(error)}`);
      protocolError(connection, "internal error handling the frame");
    }
  });
  socket.on("error", (error) => server.log(`[stand-in realtime] socket error: ${error.message}`));
  socket.on("close", () => {
    server.registry.connections.delete(connection);
    closeChannelsQuietly(server, connection);
  });
}

function disconnectEveryone(server: ServerState): void {
  const { connections } = server.registry;
  for (const connection of connections) {
    closeChannelsQuietly(server, connection);
    connection.socket.close(1012, "service restart");
    const { socket } = connection;
    // A client that never answers the close handshake must not keep its socket open.
    setTimeout(() => socket.terminate(), 1000).unref();
  }
  connections.clear();
}

/** No phx_close: the socket it would travel on is closing. */
function closeChannelsQuietly(server: ServerState, connection: Connection): void {
  for (const subscription of [...connection.channels.values()]) server.lifecycle.closeSubscription(subscription, false);
}

export type RealtimeServer = ReturnType<typeof createRealtimeServer>;

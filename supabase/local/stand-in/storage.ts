// Supabase Storage for the local stand-in: private buckets of files, as much of the Storage API
// as the project uses (the event archive keeps months there on hosted Supabase): create and get
// a bucket, upload (POST, with x-upsert) and download an object. Service role only: the project
// defines no storage policies, so on hosted Supabase nothing else may touch these buckets either.
// Objects are files under the stand-in's state folder. Error bodies are Storage's shape.
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { text } from "node:stream/consumers";
import { bearerToken, sendJson } from "./http-io.ts";
import { JwtRejectedError, type SigningKeys } from "./signing-keys.ts";

/** Hosted Storage's default upload limit (free plan): larger files need a configured limit. */
export const MAX_OBJECT_BYTES = 50 * 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

class StorageError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
  }
}

async function requireServiceRole(keys: SigningKeys, request: IncomingMessage): Promise<void> {
  const token = bearerToken(request);
  if (!token) throw new StorageError(400, "Missing authorization header", "headers must have required property 'authorization'");
  try {
    const claims = await keys.verify(token);
    if (claims.role !== "service_role") throw new StorageError(403, "Unauthorized", "new row violates row-level security policy");
  } catch (error) {
    if (error instanceof JwtRejectedError) throw new StorageError(400, "InvalidJWT", error.message);
    throw error;
  }
}

/** `bucket/path/to/object` with every segment a plain name: nothing can climb out of the bucket. */
function objectFile(dir: string, rest: string): { bucket: string; key: string; file: string } {
  const segments = rest.split("/").map((segment) => decodeURIComponent(segment));
  const [bucket, ...keyParts] = segments;
  if (!bucket || keyParts.length === 0 || ![bucket, ...keyParts].every((segment) => NAME.test(segment))) {
    throw new StorageError(400, "InvalidKey", `Invalid key: ${rest}`);
  }
  if (!existsSync(path.join(dir, bucket))) throw new StorageError(404, "Bucket not found", "Bucket not found");
  return { bucket, key: keyParts.join("/"), file: path.join(dir, bucket, ...keyParts) };
}

async function createBucket(dir: string, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): Promise<void> {
  const body = JSON.parse((await text(request)) || "{}") as { id?: string; name?: string };
  const name = body.id ?? body.name ?? "";
  if (!NAME.test(name)) throw new StorageError(400, "Invalid Input", "Bucket name invalid");
  if (existsSync(path.join(dir, name))) throw new StorageError(409, "Duplicate", "The resource already exists");
  mkdirSync(path.join(dir, name), { recursive: true, mode: 0o700 });
  sendJson(response, 200, { name }, headers);
}

async function upload(dir: string, request: IncomingMessage, response: ServerResponse, rest: string, headers: Record<string, string>): Promise<void> {
  const { bucket, key, file } = objectFile(dir, rest);
  if (existsSync(file) && request.headers["x-upsert"] !== "true") throw new StorageError(409, "Duplicate", "The resource already exists");
  if (Number(request.headers["content-length"] ?? 0) > MAX_OBJECT_BYTES) throw new StorageError(413, "Payload too large", "The object exceeded the maximum allowed size");
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${randomUUID()}.partial`;
  let size = 0;
  try {
    await pipeline(
      request,
      async function* limit(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > MAX_OBJECT_BYTES) throw new StorageError(413, "Payload too large", "The object exceeded the maximum allowed size");
          yield chunk;
        }
      },
      createWriteStream(partial, { mode: 0o600 }),
    );
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  // Whole or not at all: a reader never sees half an upload.
  renameSync(partial, file);
  sendJson(response, 200, { Key: `${bucket}/${key}`, Id: randomUUID() }, headers);
}

async function download(dir: string, response: ServerResponse, rest: string, headers: Record<string, string>): Promise<void> {
  const { file } = objectFile(dir, rest);
  if (!existsSync(file) || !statSync(file).isFile()) throw new StorageError(404, "not_found", "Object not found");
  response.writeHead(200, { ...headers, "content-type": "application/octet-stream", "content-length": String(statSync(file).size) });
  await pipeline(createReadStream(file), response);
}

async function routeStorage(dir: string, request: IncomingMessage, response: ServerResponse, subPath: string, headers: Record<string, string>): Promise<void> {
  const method = request.method ?? "GET";
  if (method === "POST" && subPath === "/bucket") return createBucket(dir, request, response, headers);
  const bucket = /^\/bucket\/([^/]+)$/.exec(subPath)?.[1];
  if (method === "GET" && bucket) {
    if (!NAME.test(bucket) || !existsSync(path.join(dir, bucket))) throw new StorageError(404, "Bucket not found", "Bucket not found");
    return sendJson(response, 200, { id: bucket, name: bucket, public: false }, headers);
  }
  const object = /^\/object\/(.+)$/.exec(subPath)?.[1];
  if (object && (method === "POST" || method === "PUT")) return upload(dir, request, response, object, headers);
  if (object && method === "GET") return download(dir, response, object, headers);
  throw new StorageError(404, "not_found", "Route not found");
}

export function createStorage(options: { dir: string; keys: SigningKeys }) {
  return {
    /** Serves `/storage/v1<subPath>`. */
    async handle(request: IncomingMessage, response: ServerResponse, subPath: string, headers: Record<string, string>): Promise<void> {
      try {
        await requireServiceRole(options.keys, request);
        await routeStorage(options.dir, request, response, subPath, headers);
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        if (!response.headersSent) sendJson(response, error.status, { statusCode: String(error.status), error: error.error, message: error.message }, headers);
        else response.destroy();
      }
    },
  };
}

// A lean load generator in its own process (Deno's fetch), so it does not share a core
// with the local gateway it measures. Reads pre-signed deliveries from a JSON file, posts
// them with `concurrency` senders (closed loop), or at `rate` per second (open loop,
// latency from the scheduled send time), and prints one JSON line with every latency.
//   deno run --allow-net --allow-read load-generator.ts <deliveries.json> <url> closed <concurrency>
//   deno run --allow-net --allow-read load-generator.ts <deliveries.json> <url> open <rate per s>
const [file, url, mode, parameter] = Deno.args;
const deliveries = JSON.parse(await Deno.readTextFile(file)) as { body: string; authorization: string }[];
const latencies = new Array<number>(deliveries.length);
let failures = 0;

async function post(index: number): Promise<void> {
  const { body, authorization } = deliveries[index];
  const response = await fetch(url, { method: "POST", headers: { authorization, "content-type": "application/json" }, body });
  await response.arrayBuffer();
  if (response.status !== 200) failures += 1;
}

const started = performance.now();
if (mode === "closed") {
  let next = 0;
  const sender = async () => {
    for (let index = next++; index < deliveries.length; index = next++) {
      const sentAt = performance.now();
      await post(index);
      latencies[index] = performance.now() - sentAt;
    }
  };
  await Promise.all(Array.from({ length: Number(parameter) }, sender));
} else {
  const intervalMs = 1000 / Number(parameter);
  await Promise.all(
    deliveries.map(async (_, index) => {
      const scheduledAt = started + index * intervalMs;
      const wait = scheduledAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await post(index);
      latencies[index] = performance.now() - scheduledAt;
    }),
  );
}
console.log(JSON.stringify({ elapsedMs: performance.now() - started, failures, latencies }));

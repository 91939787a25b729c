// HEAD /api/ping - whether the app can be reached at all. The dashboard asks when its realtime
// socket fails while the browser still says it is online (navigator.onLine is a hint, and not
// every browser sets it for every kind of offline): no answer at all means offline. Nothing is
// read, so the question costs the server nothing.
const noContent = () => new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });

export const HEAD = noContent;
export const GET = noContent;

// Drives the npm package `convex`'s ConvexHttpClient, unmodified, for
// tests/test_function_api_clients.py. Reads {"url", "calls": [...]} as JSON on stdin;
// each call is {"kind": "query" | "mutation" | "action", "name", "args", "auth"?}, its
// args in convex_encoded_json (so BigInt and ArrayBuffer reach the client as values).
// Prints one JSON object: {"results": [...], "logs": [...]}, values again in
// convex_encoded_json, errors as {"error": {"convexError", "message", "data"}}.
const { ConvexHttpClient } = require("convex/browser");
const { makeFunctionReference } = require("convex/server");
const { ConvexError, convexToJson, jsonToConvex } = require("convex/values");

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const { url, calls } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const logs = [];
  const record = (...args) => logs.push(args.map(String).join(" "));
  const logger = { log: record, warn: record, error: record, logVerbose: record };
  const client = new ConvexHttpClient(url, { logger });
  const results = [];
  for (const call of calls) {
    if (call.auth === null) client.clearAuth();
    else if (call.auth !== undefined) client.setAuth(call.auth);
    const ref = makeFunctionReference(call.name);
    try {
      const value = await client[call.kind](ref, jsonToConvex(call.args ?? {}));
      results.push({ value: convexToJson(value === undefined ? null : value) });
    } catch (error) {
      results.push({
        error: {
          convexError: error instanceof ConvexError,
          message: String(error.message),
          data: error instanceof ConvexError ? convexToJson(error.data) : null,
        },
      });
    }
  }
  process.stdout.write(JSON.stringify({ results, logs }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});

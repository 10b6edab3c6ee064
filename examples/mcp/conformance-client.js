// conformance-client.js: a generic MCP client, the "client under test" of the official
// MCP conformance scenarios (npm @modelcontextprotocol/conformance):
//   llmspell run examples/mcp/conformance-client.js -- http://localhost:3001/mcp
// The JavaScript twin of conformance-client.lua: it opens the server at the URL, lists its
// tools, resources and prompts, and calls every tool once with arguments made from the tool's
// input schema; it fails (exit 1) when a call fails. A server's elicitation form is accepted
// with the form's defaults. Loopback URLs need runtime.security.allow_private_network.

const url = ARGS[0];
if (!url) throw new Error('usage: llmspell run conformance-client.js -- <server-url>');

// A value for one property of an input schema: its default, its first enum value, or a
// small sample of its type (numbers count up so a sum is visibly a sum).
let counter = 0;
function sample(schema) {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'number':
    case 'integer': return ++counter;
    case 'boolean': return true;
    case 'array': return [];
    case 'object': return {};
    default: return 'conformance';
  }
}

function argumentsFor(tool) {
  const properties = (tool.inputSchema && tool.inputSchema.properties) || {};
  return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, sample(property)]));
}

// elicitation: 'defaults' accepts a form the server sends with its defaults (the default with
// no one at a terminal is to decline it).
const client = await MCP.connect({ url, elicitation: 'defaults' });
const report = { tools: [], failures: [] };

for (const tool of await client.listTools()) {
  try {
    const result = await client.callTool(tool.name, argumentsFor(tool));
    if (result.isError) {
      report.failures.push(`${tool.name} returned an error: ${result.text}`);
    } else {
      console.log(`${tool.name} -> ${result.text}`);
      report.tools.push(tool.name);
    }
  } catch (err) {
    report.failures.push(`${tool.name}: ${err.message}`);
  }
}

// Resources and prompts are optional capabilities: a server without them says so.
for (const what of ['listResources', 'listPrompts']) {
  try {
    report[what] = (await client[what]()).length;
  } catch {
    // not offered by this server
  }
}

await client.close();
if (report.failures.length > 0) throw new Error(report.failures.join('\n'));
export default report;

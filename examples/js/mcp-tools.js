// mcp-tools.js: use the tools of a Model Context Protocol server.
// Configure a server in llmspell.toml; for example the reference "everything" server:
//   [mcp.servers.everything]
//   command = "npx"
//   args = ["-y", "@modelcontextprotocol/server-everything@2026.8.31"]
// then:  llmspell run examples/js/mcp-tools.js -- everything
// Without an argument the first configured server is used.

const name = ARGS[0] ?? MCP.servers()[0];
if (!name) {
  console.log('no MCP server configured: add one under [mcp.servers.NAME] in llmspell.toml');
}

let summary = { servers: 0 };
if (name) {
  // A client speaks the protocol directly: list the server's tools, call one.
  const client = await MCP.connect(name);
  const names = (await client.listTools()).map((t) => t.name).sort();
  console.log(`${name} offers: ${names.join(', ')}`);
  const echoed = await client.callTool('echo', { message: 'hello over MCP' });
  console.log(echoed.text);

  // The same tools are ordinary llmspell tools named "<server>.<tool>".
  const viaTool = await Tool.invoke(`${name}.echo`, { message: 'hello as a tool' });

  // Errors are coded like any other: a wrong argument names the parameter.
  let badArgument = null;
  try {
    await Tool.invoke(`${name}.echo`, { message: 42 });
  } catch (err) {
    badArgument = err.code;
  }
  await client.close();
  summary = { server: name, echoed: echoed.text, as_tool: viaTool.text, bad_argument: badArgument };
}
export default summary;

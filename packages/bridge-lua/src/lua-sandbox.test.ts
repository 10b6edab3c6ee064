import { harness, type Harness } from '../test/harness.js';

describe('Lua sandbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it('has no io, package or debug library', async () => {
    await expect(h.run('return { io == nil, package == nil, debug == nil }')).resolves.toEqual([true, true, true]);
  });

  it.each([
    ['require', 'require("os")'],
    ['dofile', 'dofile("/etc/passwd")'],
    ['loadfile', 'loadfile("/etc/passwd")'],
    ['string.dump', 'string.dump(print)'],
    ['os.execute', 'os.execute("echo hi")'],
    ['os.remove', 'os.remove("/tmp/x")'],
    ['os.rename', 'os.rename("/tmp/x", "/tmp/y")'],
    ['os.exit', 'os.exit(1)'],
    ['os.getenv', 'os.getenv("HOME")'],
    ['os.tmpname', 'os.tmpname()'],
  ])('refuses %s with a clear error', async (name, call) => {
    const result = await h.run(`local ok, err = pcall(function() return ${call} end) return { ok, err }`);
    expect(result).toEqual([false, expect.stringContaining(`${name} is not available in the llmspell sandbox`)]);
  });

  it('keeps os.time, os.date, os.clock, os.difftime and the safe libraries', async () => {
    const result = await h.run(`
      local now = os.time()
      return {
        math.type(now), os.date("!%Y", 0), type(os.clock()), os.difftime(now + 5, now),
        string.upper("abc"), table.concat({1, 2}, ","), math.floor(2.5), utf8.char(233), type(coroutine.create),
        select("#", 1, 2), type(collectgarbage("count")), tostring(nil), os.time({year = 2020, month = 1, day = 1, hour = 12}) > 0,
      }
    `);
    expect(result).toEqual(['integer', '1970', 'number', 5, 'ABC', '1,2', 2, 'é', 'function', 2, 'number', 'nil', true]);
    expect(Math.abs(((await h.run('return os.time()')) as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('loads text chunks but never bytecode', async () => {
    const result = await h.run(`
      local f = load("return 1 + 1")
      local g, err = load("\\27Lua\\84\\0")
      local env = load("return x", "chunk", "b", { x = 5 })
      return { f(), g == nil, err, env() }
    `);
    expect(result).toEqual([2, true, expect.stringContaining("attempt to load a binary chunk (mode is 't')"), 5]);
  });

  it('refuses collectgarbage options that change the collector', async () => {
    await expect(h.run('return select(2, pcall(collectgarbage, "stop"))')).resolves.toContain('not available in the llmspell sandbox');
  });

  it('sends warn() to stderr and ignores its control messages', async () => {
    h.stderr.splice(0);
    await h.run('warn("@on") warn("careful: ", "x", 1)');
    expect(h.stderr).toEqual(['careful: x1']);
  });

  it('shows the main chunk as the main thread', async () => {
    await expect(h.run(`
      local _, main = coroutine.running()
      local inner
      coroutine.wrap(function() inner = { coroutine.isyieldable(), select(2, coroutine.running()) } end)()
      return { coroutine.isyieldable(), main, inner[1], inner[2] }
    `)).resolves.toEqual([false, true, true, false]);
  });

  it('does not share globals between contexts', async () => {
    await h.run('shared_value = 1');
    const other = await harness();
    try {
      await expect(other.run('return shared_value == nil')).resolves.toBe(true);
    } finally {
      await other.close();
    }
  });
});

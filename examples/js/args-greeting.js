// args-greeting.js: read command-line arguments with ARGS.
//   llmspell run examples/js/args-greeting.js -- Ada Grace --greeting Hi --shout
// After `--`, plain words are positional (ARGS[0], ARGS[1]... in JavaScript: an array) and
// `--name value` pairs are named (ARGS.name). A bare `--flag` reads as "true". Values are strings.

const greeting = ARGS.greeting ?? 'Hello';
const names = ARGS.length > 0 ? [...ARGS] : ['world'];
const shout = ARGS.shout === 'true';

const lines = names.map((name) => {
  const line = `${greeting}, ${name}!`;
  return shout ? line.toUpperCase() : line;
});
lines.forEach((line) => print(line));

export default { count: names.length, lines, shout };

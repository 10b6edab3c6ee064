// streaming-pages.js: pull values one at a time from a generator with Streaming.
// In JavaScript a stream wraps a generator function; it is also iterable, so spread and
// for…of work.
//   llmspell run examples/js/streaming-pages.js

const pages = (total, size) => Streaming.create(function* () {
  for (let start = 1; start <= total; start += size) {
    const page = [];
    for (let i = start; i <= Math.min(start + size - 1, total); i++) page.push(i * i);
    yield page;
  }
});

const stream = pages(10, 4);
const first = stream.next();            // [1, 4, 9, 16]
print(`first page has ${first.length} squares`);
const rest = stream.collect();          // the remaining pages
print(`then ${rest.length} more pages, done: ${stream.isDone()}`);

const all = [...pages(6, 3)].flat();    // iterate a fresh stream
export default { first, pages_left: rest.length, last: rest[rest.length - 1], done: stream.isDone(), all };

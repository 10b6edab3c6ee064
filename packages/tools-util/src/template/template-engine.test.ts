import { detectEngine, templateEngine } from '../index.js';
import { expectToolFailure, toolResult } from '@llmspell/core/testing';

const tera = async (input: string, context: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  (await toolResult(templateEngine, { input, context, engine: 'tera', ...extra })).rendered as string;
const hbs = async (input: string, context: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  (await toolResult(templateEngine, { input, context, engine: 'handlebars', ...extra })).rendered as string;

describe('template_engine', () => {
  describe('tera', () => {
    it('renders variables, paths and filters', async () => {
      expect(await tera('Hello {{ name }}!', { name: 'World' })).toBe('Hello World!');
      expect(await tera('{{ user.name | upper }} {{ user.tags[1] }} {{ user.tags.0 }}', { user: { name: 'ann', tags: ['a', 'b'] } })).toBe('ANN b a');
      expect(await tera('{{ items | length }} {{ items | join(sep=", ") }} {{ items | first }}', { items: ['x', 'y'] })).toBe('2 x, y x');
      expect(await tera('{{ missing | default(value="none") }}')).toBe('none');
      expect(await tera('{{ text | truncate(length=5) }}|{{ text | truncate(length=5, end="...") }}', { text: 'Hello World' })).toBe('Hello…|Hello...');
      expect(await tera('{{ " a " | trim | lower }}{{ "x" ~ 1 + 2 }}')).toBe('ax3');
      expect(await tera('{{ n | round(precision=2) }} {{ 7 // 2 }} {{ 2 * (3 + 4) }}', { n: 3.14159 })).toBe('3.14 3 14');
      expect(await tera('{{ "hello world" | title }} {{ "a-b" | replace(from="-", to="+") }}')).toBe('Hello World a+b');
      expect(await tera('{{ list | sort | reverse | json_encode() | safe }}', { list: [2, 3, 1] })).toBe('[3,2,1]');
    });

    it('handles if / elif / else and tests', async () => {
      const t = '{% if n > 10 %}big{% elif n > 5 %}medium{% else %}small{% endif %}';
      expect(await tera(t, { n: 20 })).toBe('big');
      expect(await tera(t, { n: 7 })).toBe('medium');
      expect(await tera(t, { n: 1 })).toBe('small');
      expect(await tera('{% if user and user.admin %}A{% endif %}{% if not missing %}B{% endif %}', { user: { admin: true } })).toBe('AB');
      expect(await tera('{% if x is defined %}d{% endif %}{% if y is not defined %}u{% endif %}{% if 4 is even %}e{% endif %}', { x: 1 })).toBe('due');
      expect(await tera('{% if "b" in items %}yes{% endif %}{% if "z" not in items %}no{% endif %}', { items: ['a', 'b'] })).toBe('yesno');
    });

    it('tests `matching` on the linear-time engine', async () => {
      const t = '{% if s is matching("^(a+)+$") %}yes{% else %}no{% endif %}';
      expect(await tera(t, { s: `${'a'.repeat(34)}!` })).toBe('no');
      expect(await tera(t, { s: 'a'.repeat(34) })).toBe('yes');
      await expectToolFailure(templateEngine, { input: '{% if s is matching("a(?=a)") %}y{% endif %}', context: { s: 'aa' }, engine: 'tera' }, 'INVALID_ARGUMENT', /invalid regex in 'matching': .*lookahead/);
    });

    it('loops with loop.index, first/last, key-value, else, break and range', async () => {
      const t = '{% for u in users %}{{ loop.index }}. {{ u.name }}{% if not loop.last %}, {% endif %}{% endfor %}';
      expect(await tera(t, { users: [{ name: 'ann' }, { name: 'bob' }, { name: 'cy' }] })).toBe('1. ann, 2. bob, 3. cy');
      expect(await tera('{% for k, v in m %}{{ k }}={{ v }};{% endfor %}', { m: { a: 1, b: 2 } })).toBe('a=1;b=2;');
      expect(await tera('{% for x in xs %}{{ x }}{% else %}empty{% endfor %}', { xs: [] })).toBe('empty');
      expect(await tera('{% for i in range(end=10) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}')).toBe('012');
      expect(await tera('{% for i in range(start=1, end=6) %}{% if i is odd %}{% continue %}{% endif %}{{ i }}{% endfor %}')).toBe('24');
      expect(await tera('{% for row in rows %}{% for c in row %}{{ loop.index0 }}{{ c }}{% endfor %}|{% endfor %}', { rows: [['a', 'b'], ['c']] })).toBe('0a1b|0c|');
    });

    it('supports set, comments, raw and whitespace control', async () => {
      expect(await tera('{% set greeting = "Hi " ~ name %}{{ greeting }}{# hidden #}', { name: 'Ann' })).toBe('Hi Ann');
      expect(await tera('{% raw %}{{ not rendered }}{% endraw %}')).toBe('{{ not rendered }}');
      expect(await tera('<ul>\n  {%- for x in xs %}\n  <li>{{ x }}</li>\n  {%- endfor %}\n</ul>', { xs: [1, 2] })).toBe('<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>');
      expect(await tera('{% filter upper %}abc {{ x }}{% endfilter %}', { x: 'd' })).toBe('ABC D');
      expect(await tera('a \n {{- x -}} \n b {#- note -#}  c', { x: 'X' })).toBe('aXbc');
      expect(await tera('[ {%- raw -%} {{ x }} {%- endraw -%} ]')).toBe('[{{ x }}]');
    });

    it('keeps loop-local set apart from set_global and exposes revindex', async () => {
      expect(await tera('{% set total = 0 %}{% for x in xs %}{% set_global total = total + x %}{{ loop.revindex }}{% endfor %}={{ total }}', { xs: [1, 2, 3] })).toBe('321=6');
      expect(await tera('{{ xs | map(attribute="n") | join(sep="-") }} {{ xs | filter(attribute="ok") | length }}', { xs: [{ n: 1, ok: true }, { n: 2, ok: false }] })).toBe('1-2 1');
    });

    it('HTML-escapes output by default, unless safe or auto_escape=false', async () => {
      const ctx = { html: '<script>alert("x")</script>' };
      expect(await tera('{{ html }}', ctx)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt;');
      expect(await tera('{{ html | safe }}', ctx)).toBe(ctx.html);
      expect(await tera('{{ html }}', ctx, { auto_escape: false })).toBe(ctx.html);
    });

    it('reports errors with line numbers, naming input', async () => {
      const undef = await expectToolFailure(templateEngine, { input: 'a\n{{ nope }}', engine: 'tera' }, 'INVALID_ARGUMENT', 'input');
      expect(undef.message).toMatch(/line 2: variable 'nope' not found/);
      await expectToolFailure(templateEngine, { input: '{% if x %}open' }, 'INVALID_ARGUMENT', /without '\{% endif %\}'/);
      await expectToolFailure(templateEngine, { input: '{% endfor %}' }, 'INVALID_ARGUMENT', /unexpected '\{% endfor %\}' without a matching opening tag/);
      await expectToolFailure(templateEngine, { input: '{{ x | frobnicate }}', context: { x: 1 } }, 'INVALID_ARGUMENT', /unknown filter 'frobnicate'/);
      await expectToolFailure(templateEngine, { input: '{{ 1 / 0 }}' }, 'INVALID_ARGUMENT', /division by zero/);
      await expectToolFailure(templateEngine, { input: '{{ unclosed ' }, 'INVALID_ARGUMENT', /unclosed/);
      await expectToolFailure(templateEngine, { input: '{% for x in n %}{% endfor %}', context: { n: 5 } }, 'INVALID_ARGUMENT', /cannot iterate/);
    });
  });

  describe('handlebars', () => {
    it('renders variables with HTML escaping and triple-stash raw', async () => {
      expect(await hbs('Hello {{name}}!', { name: 'World' })).toBe('Hello World!');
      expect(await hbs('{{a.b}} {{a.list.1}} {{html}} {{{html}}} {{&html}}', { a: { b: 'x', list: [1, 2] }, html: '<b>&"' })).toBe('x 2 &lt;b&gt;&amp;&quot; <b>&" <b>&"');
    });

    it('handles if / else if / else and unless', async () => {
      const t = '{{#if admin}}Admin{{else if user}}User{{else}}Guest{{/if}}';
      expect(await hbs(t, { admin: true })).toBe('Admin');
      expect(await hbs(t, { user: 'x' })).toBe('User');
      expect(await hbs(t, {})).toBe('Guest');
      expect(await hbs('{{#unless done}}todo{{else}}done{{/unless}}', { done: false })).toBe('todo');
      expect(await hbs('{{#if list}}has{{else}}none{{/if}}', { list: [] })).toBe('none');
      expect(await hbs('{{#if (eq role "admin")}}yes{{/if}}{{#if (gt n 3)}}big{{/if}}', { role: 'admin', n: 5 })).toBe('yesbig');
    });

    it('iterates with each, this, @index, @key, @first, @last and parent access', async () => {
      expect(await hbs('{{#each items}}{{@index}}:{{this}}{{#unless @last}},{{/unless}}{{/each}}', { items: ['a', 'b', 'c'] })).toBe('0:a,1:b,2:c');
      expect(await hbs('{{#each people}}{{name}} of {{../team}}{{#if @first}}*{{/if}};{{/each}}', { team: 'T', people: [{ name: 'ann' }, { name: 'bob' }] })).toBe('ann of T*;bob of T;');
      expect(await hbs('{{#each m}}{{@key}}={{this}} {{/each}}', { m: { x: 1, y: 2 } })).toBe('x=1 y=2 ');
      expect(await hbs('{{#each xs}}x{{else}}empty{{/each}}', { xs: [] })).toBe('empty');
      expect(await hbs('{{#each xs as |item i|}}{{i}}{{item.n}}{{/each}}', { xs: [{ n: 'a' }, { n: 'b' }] })).toBe('0a1b');
      expect(await hbs('{{#with user}}{{name}} ({{@root.site}}){{/with}}', { user: { name: 'ann' }, site: 'S' })).toBe('ann (S)');
    });

    it('has helpers, comments and whitespace control', async () => {
      expect(await hbs('{{uppercase name}} {{lowercase "ABC"}} {{len items}} {{json obj}}', { name: 'ann', items: [1, 2], obj: { a: 1 } })).toBe('ANN abc 2 {&quot;a&quot;:1}');
      expect(await hbs('a{{! note }}b{{!-- {{x}} --}}c')).toBe('abc');
      expect(await hbs('<p>\n  {{~name~}}\n</p>', { name: 'x' })).toBe('<p>x</p>');
    });

    it('supports inverse sections, escaped mustaches and lookup', async () => {
      expect(await hbs('{{^items}}none{{/items}}', { items: [] })).toBe('none');
      expect(await hbs('\\{{name}} {{name}}', { name: 'x' })).toBe('{{name}} x');
      expect(await hbs('{{lookup m k}} {{default missing "d"}}', { m: { a: 'A' }, k: 'a' })).toBe('A d');
      expect(await hbs('{{#each xs}}{{#each this}}{{../../label}}{{this}}{{/each}}{{/each}}', { label: 'L', xs: [[1, 2], [3]] })).toBe('L1L2L3');
    });

    it('is strict about missing variables, like the reference', async () => {
      await expectToolFailure(templateEngine, { input: 'Hi {{nobody}}', engine: 'handlebars' }, 'INVALID_ARGUMENT', /variable 'nobody' not found/);
      expect(await hbs('{{#if nobody}}x{{else}}y{{/if}}')).toBe('y');
    });

    it('refuses partials and reports mismatched blocks', async () => {
      await expectToolFailure(templateEngine, { input: '{{> header}}', engine: 'handlebars' }, 'INVALID_ARGUMENT', /partials .* not supported/);
      await expectToolFailure(templateEngine, { input: '{{#if x}}a{{/each}}', engine: 'handlebars' }, 'INVALID_ARGUMENT', /does not match/);
      await expectToolFailure(templateEngine, { input: '{{#if x}}a', engine: 'handlebars' }, 'INVALID_ARGUMENT', /never closed/);
      await expectToolFailure(templateEngine, { input: '{{#repeat 3}}a{{/repeat}}', engine: 'handlebars' }, 'INVALID_ARGUMENT', /unknown block helper/);
    });
  });

  describe('engine choice and sandboxing', () => {
    it('auto-detects the engine like the reference, with tera as default', async () => {
      expect(detectEngine('{{#if x}}y{{/if}}')).toBe('handlebars');
      expect(detectEngine('{% if x %}y{% endif %}')).toBe('tera');
      expect(detectEngine('Hello {{ name }}')).toBe('tera');
      const r = await toolResult(templateEngine, { input: '{{#each xs}}{{this}}{{/each}}', context: { xs: [1, 2] } });
      expect(r).toMatchObject({ rendered: '12', engine: 'handlebars' });
      expect((await toolResult(templateEngine, { input: 'Hi {{ name }}', context: { name: 'A' } })).engine).toBe('tera');
      // An explicit engine wins over detection.
      expect((await toolResult(templateEngine, { input: '{{#x}}', engine: 'tera', auto_detect: true }).catch((e) => e)).message).toMatch(/tera/);
    });

    it('accepts the DOC names template/data and the example scripts\' variables, and operation = render', async () => {
      expect((await toolResult(templateEngine, { input: 'Hi {{name}}', data: { name: 'Ann' }, engine: 'handlebars', operation: 'render' })).rendered).toBe('Hi Ann');
      expect((await toolResult(templateEngine, { template: 'Hi {{name}}', data: { name: 'Ann' } })).rendered).toBe('Hi Ann');
      expect((await toolResult(templateEngine, { template: 'Number {{num}} squared = {{result}}', variables: { num: 3, result: 9 } })).rendered).toBe('Number 3 squared = 9');
      // input wins over template; context over data and variables.
      expect((await toolResult(templateEngine, { input: 'A{{x}}', template: 'B{{x}}', context: { x: 1 }, variables: { x: 2 } })).rendered).toBe('A1');
      await expectToolFailure(templateEngine, { data: { name: 'Ann' } }, 'INVALID_ARGUMENT', 'input');
    });

    it('has no includes or file access', async () => {
      await expectToolFailure(templateEngine, { input: '{% include "/etc/passwd" %}' }, 'INVALID_ARGUMENT', /not supported: templates are sandboxed/);
      await expectToolFailure(templateEngine, { input: '{% extends "base.html" %}' }, 'INVALID_ARGUMENT', /sandboxed/);
      await expectToolFailure(templateEngine, { input: '{{ constructor }}' }, 'INVALID_ARGUMENT', /not found/);
      await expectToolFailure(templateEngine, { input: '{{ x.constructor }}', context: { x: {} } }, 'INVALID_ARGUMENT', /not found/);
      await expectToolFailure(templateEngine, { input: '{{x.__proto__}}', context: { x: {} }, engine: 'handlebars' }, 'INVALID_ARGUMENT', /not found/);
    });

    it('enforces template size, output size and render time limits', async () => {
      await expectToolFailure(templateEngine, { input: 'x'.repeat(2000) }, 'SIZE_LIMIT_EXCEEDED', 'input', { settings: { max_template_size: 1000 } });
      await expectToolFailure(templateEngine, { input: '{{ s }}', context: { s: 'x'.repeat(200) } }, 'SIZE_LIMIT_EXCEEDED', 'context', { settings: { max_context_size: 100 } });
      await expectToolFailure(templateEngine, { input: '{% for i in range(end=100000) %}xxxxxxxxxx{% endfor %}' }, 'SIZE_LIMIT_EXCEEDED', /output exceeds 1000/, { settings: { max_output_size: 1000 } });
      await expectToolFailure(
        templateEngine,
        { input: '{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% endfor %}{% endfor %}' },
        'SIZE_LIMIT_EXCEEDED',
        /longer than 50 ms/,
        { settings: { max_render_time_ms: 50 } },
      );
    });

    it('limits block nesting instead of overflowing the stack', async () => {
      await expectToolFailure(templateEngine, { input: '{% if true %}'.repeat(5000) }, 'INVALID_ARGUMENT', /nest deeper than 100/);
      await expectToolFailure(templateEngine, { input: '{{#if x}}'.repeat(5000), engine: 'handlebars' }, 'INVALID_ARGUMENT', /nest deeper than 100/);
      expect(await tera(`${'{% if true %}'.repeat(50)}deep${'{% endif %}'.repeat(50)}`)).toBe('deep');
    });

    it('rejects bad parameters naming them', async () => {
      await expectToolFailure(templateEngine, {}, 'INVALID_ARGUMENT', 'input');
      await expectToolFailure(templateEngine, { input: 'x', engine: 'mustache' }, 'INVALID_ARGUMENT', 'engine');
      await expectToolFailure(templateEngine, { input: 'x', context: 'nope' }, 'INVALID_ARGUMENT', 'context');
    });
  });
});

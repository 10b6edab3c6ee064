import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { RunDetail } from './run-detail.js';
import { RunList } from './run-list.js';
import './styles.css';

function route(): { runId?: string } {
  const m = /^#\/runs\/([A-Za-z0-9]+)/.exec(location.hash);
  return m ? { runId: m[1] } : {};
}

function App() {
  const [current, setCurrent] = useState(route);
  useEffect(() => {
    const onHash = () => setCurrent(route());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const open = (id: string) => {
    location.hash = `#/runs/${id}`;
  };
  const back = () => {
    location.hash = '#/';
  };
  return (
    <main>
      <nav class="top"><a href="#/">llmspell</a> <span class="muted">run history</span></nav>
      {current.runId ? <RunDetail id={current.runId} back={back} /> : <RunList open={open} />}
    </main>
  );
}

render(<App />, document.getElementById('app')!);

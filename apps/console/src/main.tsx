import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session } from './api';
import { Ask } from './ask';
import { Data } from './data';
import { Insights } from './insights';
import { Search } from './search';
import { SignIn } from './sign-in';
import './styles.css';

const PAGES = { ask: 'Ask', search: 'Search', insights: 'Insights', data: 'Data' } as const;
type Page = keyof typeof PAGES;

const pageOf = (hash: string): Page => {
  const p = hash.replace(/^#\/?/, '');
  return Object.hasOwn(PAGES, p) ? (p as Page) : 'ask';
};

function App() {
  const [signedIn, setSignedIn] = useState(session.get() !== null);
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  // A question handed to Ask by another page (an insight's "Ask"), asked once when Ask opens.
  const [handedOver, setHandedOver] = useState<string | null>(null);
  useEffect(() => {
    const onHash = () => setPage(pageOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return (
    <>
      <header>
        <strong>Pulse AI</strong>
        <nav aria-label="Pages">
          {(Object.keys(PAGES) as Page[]).map((p) => (
            <a key={p} href={`#/${p}`} aria-current={p === page ? 'page' : undefined}>
              {PAGES[p]}
            </a>
          ))}
        </nav>
        <button
          type="button"
          onClick={() => {
            session.clear();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {page === 'ask' && <Ask initialQuestion={handedOver} onInitialAsked={() => setHandedOver(null)} />}
        {page === 'search' && <Search />}
        {page === 'insights' && (
          <Insights
            onAsk={(q) => {
              setHandedOver(q);
              location.hash = '#/ask';
            }}
          />
        )}
        {page === 'data' && <Data />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

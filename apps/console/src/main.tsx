import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session } from './api';
import { Ask } from './ask';
import { Data } from './data';
import { Search } from './search';
import { SignIn } from './sign-in';
import './styles.css';

const PAGES = { ask: 'Ask', search: 'Search', data: 'Data' } as const;
type Page = keyof typeof PAGES;

const pageOf = (hash: string): Page => {
  const p = hash.replace(/^#\/?/, '');
  return p === 'search' || p === 'data' ? p : 'ask';
};

function App() {
  const [signedIn, setSignedIn] = useState(session.get() !== null);
  const [page, setPage] = useState<Page>(pageOf(location.hash));
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
        {page === 'ask' && <Ask />}
        {page === 'search' && <Search />}
        {page === 'data' && <Data />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

import { useEffect, useState } from 'react';
import type { Message } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { errorText } from '../state/client.js';
import { useSession } from '../state/hooks.js';
import { Icon } from './icons.js';

/** Full-text search inside one chat. */
export function ChatSearch({ chatId, onPick, onClose }: { chatId: number; onPick: (seq: number) => void; onClose: () => void }) {
  const { t, locale } = useI18n();
  const [session] = useSession();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Message[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setHits(null);
    setError(null);
    if (q.trim().length < 2) return;
    const timer = setTimeout(() => {
      session.client
        .search({ q: q.trim(), chatId, limit: 30 })
        .then((r) => setHits(r.messages))
        .catch((err: unknown) => setError(errorText(err)));
    }, 250);
    return () => clearTimeout(timer);
  }, [session, chatId, q]);
  return (
    <div className="chat-search" role="search">
      <div className="row">
        <input
          type="search"
          autoFocus
          aria-label={t('search.inChat')}
          placeholder={t('search.inChat')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && onClose()}
        />
        <button type="button" className="icon" aria-label={t('search.close')} onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      {error && <p className="error small">{error}</p>}
      {hits && (
        <ul className="search-hits" aria-live="polite">
          {hits.length === 0 && <li className="muted small">{t('search.nothing')}</li>}
          {hits.map((m) => (
            <li key={m.id}>
              <button type="button" className="link" onClick={() => onPick(m.seq)}>
                <span className="muted small">{new Date(m.createdAt).toLocaleString(locale)}</span> {m.text.slice(0, 140)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

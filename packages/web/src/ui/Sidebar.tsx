import { useEffect, useMemo, useRef, useState } from 'react';
import type { ChatSummary, Message, PersonCard } from '@parta/protocol';
import { useI18n, type StringKey } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';
import { chatFilter, contextsOf, isSchoolAdmin, mayCreateGroups, type Context } from '../state/profiles.js';
import { go, href, type Route } from '../state/route.js';
import { errorText } from '../state/client.js';
import { Avatar, RoleBadges, shortWhen } from './common.js';
import { Icon } from './icons.js';

const CONTEXT_KEY = 'parta.context';

/** The user's schools with their channels and chats, direct chats, search and the profile switch. */
export function Sidebar({ route }: { route: Route }) {
  const { t, locale } = useI18n();
  const [, state] = useSession();
  const contexts = useMemo(() => contextsOf(state.me), [state.me]);
  const [ctx, setCtx] = useState<Context | 'all'>(() => {
    const saved = localStorage.getItem(CONTEXT_KEY) as Context | 'all' | null;
    return saved && (saved === 'all' || contexts.includes(saved)) ? saved : 'all';
  });
  const [query, setQuery] = useState('');
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const visible = useMemo(() => {
    const keep = chatFilter(state.me, ctx);
    return [...state.chats.values()]
      .map((v) => v.summary)
      .filter(keep)
      .sort(byActivity);
  }, [state.chats, state.me, ctx]);

  const listed = visible.length > 0;
  useEffect(() => {
    if (listed && performance.getEntriesByName('parta:chat-list').length === 0) performance.mark('parta:chat-list');
  }, [listed]);

  const openChatId = route.name === 'chat' ? route.chatId : null;
  const orgs = state.me.organizations;
  const canCreate = orgs.some((o) => mayCreateGroups(state.me, o.id));

  return (
    <>
      <div className="sidebar-head">
        <a className="brand" href={href({ name: 'home' })}>
          {t('app.name')}
        </a>
        <div className="head-actions">
          {canCreate && (
            <a className="icon" href={href({ name: 'newGroup' })} aria-label={t('nav.newGroup')} title={t('nav.newGroup')}>
              <Icon name="plus" />
            </a>
          )}
          <a className="icon" href={href({ name: 'settings' })} aria-label={t('nav.settings')} title={t('nav.settings')}>
            <Icon name="gear" />
          </a>
        </div>
      </div>
      {contexts.length > 1 && (
        <div className="segmented profile-switch" role="group" aria-label={t('nav.profile')}>
          {(['all', ...contexts] as const).map((c) => (
            <button
              key={c}
              type="button"
              aria-pressed={ctx === c}
              onClick={() => {
                setCtx(c);
                localStorage.setItem(CONTEXT_KEY, c);
              }}
            >
              {t(
                `profile.${c === 'staff' ? (state.me.profiles.some((p) => p.teaching.length > 0) ? 'teacher' : 'staff') : c}` as StringKey,
              )}
            </button>
          ))}
        </div>
      )}
      <div className="search-box">
        <input
          ref={searchRef}
          type="search"
          aria-label={t('nav.search')}
          placeholder={t('nav.searchHint')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && setQuery('')}
        />
      </div>
      {query.trim().length > 0 ? (
        <SearchResults query={query.trim()} chats={visible} onDone={() => setQuery('')} />
      ) : (
        <div className="chat-groups" data-testid="chat-list">
          {!listed && <p className="muted pad">{t('nav.noChats')}</p>}
          {orgs.map((org) => {
            const chats = visible.filter((c) => c.organizationId === org.id && c.kind !== 'direct');
            // A school shows when the user has chats there, or administers it (its community, roster sync, reports).
            if (chats.length === 0 && !isSchoolAdmin(state.me, org.id)) return null;
            return (
              <section key={org.id} aria-labelledby={`org-${org.id}`}>
                <h2 id={`org-${org.id}`} className="group-title">
                  <a href={href({ name: 'community', organizationId: org.id })} title={t('nav.community')}>
                    {org.shortName}
                  </a>
                </h2>
                <ChatList chats={channelsFirst(chats)} openChatId={openChatId} locale={locale} />
              </section>
            );
          })}
          {visible.some((c) => c.kind === 'direct') && (
            <section aria-labelledby="direct-title">
              <h2 id="direct-title" className="group-title">
                {t('nav.direct')}
              </h2>
              <ChatList chats={visible.filter((c) => c.kind === 'direct')} openChatId={openChatId} locale={locale} />
            </section>
          )}
        </div>
      )}
      <div className="sidebar-foot muted small" aria-hidden="true">
        {state.me.profiles[0] ? `${state.me.profiles[0].lastName} ${state.me.profiles[0].firstName}` : state.me.login}
      </div>
    </>
  );
}

function byActivity(a: ChatSummary, b: ChatSummary): number {
  return (b.lastMessage?.createdAt ?? 0) - (a.lastMessage?.createdAt ?? 0) || a.title.localeCompare(b.title);
}

function channelsFirst(chats: ChatSummary[]): ChatSummary[] {
  return [...chats.filter((c) => c.kind === 'channel'), ...chats.filter((c) => c.kind !== 'channel')];
}

/** Chats as a list of links with unread and mention badges. */
export function ChatList({ chats, openChatId, locale }: { chats: ChatSummary[]; openChatId: number | null; locale: string }) {
  const { t } = useI18n();
  return (
    <ul className="chat-list">
      {chats.map((c) => (
        <li key={c.id}>
          <a
            className={c.id === openChatId ? 'chat-item active' : 'chat-item'}
            href={href({ name: 'chat', chatId: c.id })}
            aria-current={c.id === openChatId ? 'page' : undefined}
            data-chat-id={c.id}
          >
            <Avatar name={c.title} id={c.id} />
            <span className="chat-item-body">
              <span className="chat-item-top">
                <span className="chat-title">
                  {c.kind === 'channel' && <Icon name="channel" size={14} />}
                  {c.title}
                </span>
                {c.lastMessage && <span className="muted small">{shortWhen(c.lastMessage.createdAt, locale)}</span>}
              </span>
              <span className="chat-item-bottom">
                <span className="preview muted small">{preview(c.lastMessage, t)}</span>
                {c.mentions > 0 && (
                  <span className="badge mention" aria-label={t('badge.mentions', { count: c.mentions })}>
                    @
                  </span>
                )}
                {c.unread > 0 && (
                  <span className="badge unread" aria-label={t('badge.unread', { count: c.unread })}>
                    {c.unread > 999 ? '999+' : c.unread}
                  </span>
                )}
              </span>
            </span>
          </a>
        </li>
      ))}
    </ul>
  );
}

function preview(m: Message | null, t: ReturnType<typeof useI18n>['t']): string {
  if (!m) return '';
  if (m.deletedAt) return t('msg.deleted');
  return m.text.length > 80 ? `${m.text.slice(0, 80)}…` : m.text;
}

/** Chats by title, people of the user's schools by name, and messages by words. */
function SearchResults({ query, chats, onDone }: { query: string; chats: ChatSummary[]; onDone: () => void }) {
  const { t, locale } = useI18n();
  const [session, state] = useSession();
  const [people, setPeople] = useState<(PersonCard & { organizationId: number })[] | null>(null);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const q = query.toLocaleLowerCase('ru');

  useEffect(() => {
    let live = true;
    const load = async () => {
      const all: (PersonCard & { organizationId: number })[] = [];
      for (const org of state.me.organizations) {
        try {
          const page = await session.client.people(org.id, { limit: 500 });
          all.push(...page.people.map((p) => ({ ...p, organizationId: org.id })));
        } catch {
          /* officials cannot list people inside schools */
        }
      }
      if (live) setPeople(all);
    };
    void load();
    return () => {
      live = false;
    };
  }, [session, state.me.organizations]);

  useEffect(() => {
    setMessages(null);
    if (query.length < 2) return;
    const timer = setTimeout(() => {
      session.client
        .search({ q: query, limit: 20 })
        .then((r) => setMessages(r.messages))
        .catch((err: unknown) => setError(errorText(err)));
    }, 250);
    return () => clearTimeout(timer);
  }, [session, query]);

  const myPersons = new Set(state.me.profiles.map((p) => p.personId));
  const chatHits = chats.filter((c) => c.title.toLocaleLowerCase('ru').includes(q)).slice(0, 20);
  const seen = new Set<number>();
  const peopleHits = (people ?? [])
    .filter((p) => {
      if (myPersons.has(p.id) || seen.has(p.id)) return false;
      const name = `${p.lastName} ${p.firstName} ${p.middleName ?? ''}`.toLocaleLowerCase('ru');
      const hit = name.includes(q);
      if (hit) seen.add(p.id);
      return hit;
    })
    .slice(0, 20);

  const openPerson = async (personId: number) => {
    try {
      const chat = await session.client.openDirect(personId);
      session.addChat(chat);
      onDone();
      go({ name: 'chat', chatId: chat.id });
    } catch (err) {
      setError(errorText(err));
    }
  };

  const nothing =
    chatHits.length === 0 && peopleHits.length === 0 && messages !== null && messages.length === 0 && people !== null;
  return (
    <div className="search-results" aria-live="polite">
      {error && (
        <p role="alert" className="error pad">
          {error}
        </p>
      )}
      {chatHits.length > 0 && (
        <section aria-labelledby="sr-chats">
          <h2 id="sr-chats" className="group-title">
            {t('search.chats')}
          </h2>
          <ChatList chats={chatHits} openChatId={null} locale={locale} />
        </section>
      )}
      {peopleHits.length > 0 && (
        <section aria-labelledby="sr-people">
          <h2 id="sr-people" className="group-title">
            {t('search.people')}
          </h2>
          <ul className="chat-list">
            {peopleHits.map((p) => (
              <li key={p.id}>
                <button type="button" className="chat-item" onClick={() => void openPerson(p.id)}>
                  <Avatar name={`${p.lastName} ${p.firstName}`} id={p.id} />
                  <span className="chat-item-body">
                    <span className="chat-title">
                      {p.lastName} {p.firstName} {p.middleName ?? ''}
                    </span>
                    <RoleBadges roles={p.roles} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {messages && messages.length > 0 && (
        <section aria-labelledby="sr-messages">
          <h2 id="sr-messages" className="group-title">
            {t('search.messages')}
          </h2>
          <ul className="chat-list">
            {messages.map((m) => (
              <li key={m.id}>
                <a className="chat-item" href={href({ name: 'chat', chatId: m.chatId, seq: m.seq })} onClick={onDone}>
                  <span className="chat-item-body">
                    <span className="chat-item-top">
                      <span className="chat-title">{state.chats.get(m.chatId)?.summary.title ?? ''}</span>
                      <span className="muted small">{shortWhen(m.createdAt, locale)}</span>
                    </span>
                    <span className="preview small">{m.text.slice(0, 120)}</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {nothing && <p className="muted pad">{t('search.nothing')}</p>}
    </div>
  );
}

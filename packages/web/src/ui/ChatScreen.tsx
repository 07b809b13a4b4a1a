import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { ChatMember, Message } from '@parta/protocol';
import { useI18n, type StringKey } from '../i18n/index.js';
import { useChat, useSession } from '../state/hooks.js';
import { isSchoolAdmin } from '../state/profiles.js';
import { go, href } from '../state/route.js';
import { errorText } from '../state/client.js';
import type { Outgoing } from '../state/outbox.js';
import { Composer, type ComposerMode } from './Composer.js';
import { ForwardDialog, ReadersDialog, ReportDialog } from './ChatDialogs.js';
import { MembersPanel, ProfileCard } from './MembersPanel.js';
import { MessageItem, PendingItem } from './MessageItem.js';
import { Avatar, dayKey, dayLabel, lastWhere } from './common.js';
import { Icon } from './icons.js';

/** Absolute index of the first message the view anchored on; prepending lowers `firstItemIndex`. */
const BASE = 1_000_000;

type Row =
  | { kind: 'day'; key: string; at: number }
  | { kind: 'unread'; key: string }
  | { kind: 'msg'; key: string; m: Message }
  | { kind: 'out'; key: string; o: Outgoing };

/** One chat: header, history (virtualized, loads upward without jumps), typing, composer, members. */
export function ChatScreen({ chatId, jumpSeq }: { chatId: number; jumpSeq?: number | undefined }) {
  const { t, locale } = useI18n();
  const [session, state] = useSession();
  const view = useChat(chatId);
  const [mode, setMode] = useState<ComposerMode>({ kind: 'new' });
  const [panel, setPanel] = useState<'members' | null>(null);
  const [searching, setSearching] = useState(false);
  const [dialog, setDialog] = useState<{ kind: 'readers' | 'forward' | 'report'; m: Message } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [card, setCard] = useState<ChatMember | null>(null);
  /** The first message that was unread when the chat opened: a separator marks where the new ones begin. */
  const [unreadFrom] = useState(() => {
    const s = session.state.chats.get(chatId)?.summary;
    return s && s.unread > 0 && jumpSeq === undefined ? s.readSeq + 1 : null;
  });
  /** At the bottom before the last change: a row that grows there (a font, a reaction) keeps the view pinned. */
  const stuck = useRef(jumpSeq === undefined);
  // Opened at the end unless it opens at a target or at the first unread message.
  const [atBottom, setAtBottom] = useState(stuck.current);
  const [highlight, setHighlight] = useState<number | null>(jumpSeq ?? null);
  const list = useRef<VirtuosoHandle>(null);
  const anchor = useRef<number | null>(null);

  useEffect(() => {
    if (jumpSeq !== undefined) {
      setHighlight(jumpSeq);
      void session.jumpTo(chatId, jumpSeq).catch((err: unknown) => setNotice(errorText(err)));
    }
  }, [session, chatId, jumpSeq]);

  const messages = view?.messages ?? null;
  const hasOlder = view?.hasOlder ?? true;
  const outgoing = useMemo(
    () => (view?.hasNewer ? [] : state.outbox.filter((o) => o.chatId === chatId)),
    [state.outbox, chatId, view?.hasNewer],
  );

  const rows = useMemo(() => {
    const out: Row[] = [];
    let day = -1;
    for (const m of messages ?? []) {
      const d = dayKey(m.createdAt);
      // The window's first day gets its separator only at the chat's beginning: while older
      // messages may still be of the same day, a separator there would move when they arrive.
      if (d !== day && (out.length > 0 || !hasOlder)) out.push({ kind: 'day', key: `d${d}`, at: m.createdAt });
      day = d;
      if (m.seq === unreadFrom) out.push({ kind: 'unread', key: 'unread' });
      out.push({ kind: 'msg', key: `m${m.seq}`, m });
    }
    for (const o of outgoing) out.push({ kind: 'out', key: `o${o.clientId}`, o });
    return out;
  }, [messages, outgoing, hasOlder, unreadFrom]);

  // Keep the anchor message at the same absolute index, so that older pages land above it without a jump.
  // A window replaced by a jump (search hit, link to a message) is a new list: mount it afresh, at the target.
  const generation = useRef(0);
  if (messages && messages.length > 0 && (anchor.current === null || !messages.some((m) => m.seq === anchor.current))) {
    if (anchor.current !== null) generation.current++;
    anchor.current = messages[0]!.seq;
  }
  const anchorIndex = rows.findIndex((r) => r.kind === 'msg' && r.m.seq === anchor.current);
  const firstItemIndex = BASE - Math.max(0, anchorIndex);

  // A target already in the window is scrolled to.
  const targetIndex = highlight === null ? -1 : rows.findIndex((r) => r.kind === 'msg' && r.m.seq === highlight);
  const hasTarget = targetIndex >= 0;
  const targetRef = useRef(targetIndex);
  targetRef.current = targetIndex;
  useEffect(() => {
    if (highlight !== null) stuck.current = false;
    // Only when the target changes or first appears, not on every new row.
    if (hasTarget) list.current?.scrollToIndex({ index: targetRef.current, align: 'center' });
  }, [highlight, hasTarget]);

  const members = view?.members ?? null;
  const names = useMemo(() => new Map((members ?? []).map((m) => [m.personId, m.name])), [members]);
  const moderator =
    !!view &&
    (view.summary.myRole === 'owner' || view.summary.myRole === 'admin' || isSchoolAdmin(state.me, view.summary.organizationId));

  const startReached = useCallback(() => {
    void session.loadOlder(chatId).catch((err: unknown) => setNotice(errorText(err)));
  }, [session, chatId]);
  const endReached = useCallback(() => {
    if (view?.hasNewer) void session.loadNewer(chatId).catch((err: unknown) => setNotice(errorText(err)));
  }, [session, chatId, view?.hasNewer]);

  // Direct chats show whether the other person is online; asked on open, on reconnect and every minute.
  const other =
    view?.summary.kind === 'direct' ? view.members?.find((m) => m.personId !== view.summary.myPersonId)?.personId : undefined;
  useEffect(() => {
    if (other === undefined) return;
    session.queryPresence([other]);
    const timer = setInterval(() => session.queryPresence([other]), 60_000);
    return () => clearInterval(timer);
  }, [session, other, state.conn]);

  // Read means seen: the newest message on screen, while the page is visible.
  const seen = useRef(0);
  const reportSeen = useCallback(() => {
    if (seen.current > 0 && document.visibilityState === 'visible') session.markSeen(chatId, seen.current);
  }, [session, chatId]);
  useEffect(() => {
    document.addEventListener('visibilitychange', reportSeen);
    return () => document.removeEventListener('visibilitychange', reportSeen);
  }, [reportSeen]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const firstIndexRef = useRef(firstItemIndex);
  firstIndexRef.current = firstItemIndex;
  const rangeChanged = useCallback(
    ({ startIndex, endIndex }: { startIndex: number; endIndex: number }) => {
      const all = rowsRef.current;
      // Virtuoso counts from firstItemIndex; accept plain indexes too.
      const offset = endIndex >= firstIndexRef.current ? firstIndexRef.current : 0;
      let max = 0;
      for (let i = Math.max(0, startIndex - offset); i <= Math.min(all.length - 1, endIndex - offset); i++) {
        const row = all[i];
        if (row?.kind === 'msg' && row.m.seq > max) max = row.m.seq;
      }
      if (max > seen.current) {
        seen.current = max;
        reportSeen();
      }
    },
    [reportSeen],
  );
  // A message committed (or acknowledged) on screen is seen without any scrolling.
  useEffect(() => reportSeen(), [reportSeen, view?.summary.lastSeq, view?.summary.readSeq]);

  if (!view) {
    return (
      <div className="empty-pane">
        <p className="muted">{t('common.loading')}</p>
      </div>
    );
  }
  const s = view.summary;
  const typingNames = Object.entries(view.typing)
    .filter(([, until]) => until > Date.now())
    .map(([id]) => names.get(Number(id)) ?? t('msg.unknownAuthor'));
  const pinned = lastWhere(messages, (m) => m.pinned && !m.deletedAt);

  const presence = other !== undefined ? state.presence.get(other) : undefined;
  const subtitle =
    s.kind === 'channel'
      ? `${t('kind.channel')} · ${s.canPost ? t('chat.canPost') : s.allowComments ? t('chat.channelComments') : t('chat.channelPosting')}`
      : s.kind === 'direct'
        ? presence?.online
          ? t('presence.online')
          : presence?.lastSeenAt
            ? t('presence.lastSeen', {
                when: new Date(presence.lastSeenAt).toLocaleString(locale, {
                  day: 'numeric',
                  month: 'short',
                  hour: '2-digit',
                  minute: '2-digit',
                }),
              })
            : t('kind.direct')
        : `${s.purpose ? t(`purpose.${s.purpose}` as StringKey) : t('kind.group')} · ${t('chat.members', { count: s.memberCount })}`;

  const jumpToQuote = (seq: number) => {
    stuck.current = false;
    setHighlight(seq);
    const idx = rows.findIndex((r) => r.kind === 'msg' && r.m.seq === seq);
    if (idx >= 0) list.current?.scrollToIndex({ index: idx, align: 'center', behavior: 'smooth' });
    else go({ name: 'chat', chatId, seq });
  };

  return (
    <div className={panel ? 'chat with-panel' : 'chat'}>
      <section className="chat-main" aria-labelledby="chat-title">
        <header className="chat-head">
          <a className="icon back" href={href({ name: 'home' })} aria-label={t('nav.back')}>
            <Icon name="back" />
          </a>
          <Avatar name={s.title} id={s.id} />
          <div className="chat-head-text">
            <h1 id="chat-title">{s.title}</h1>
            <p className="muted small">{subtitle}</p>
          </div>
          <button
            type="button"
            className="icon"
            aria-label={t('search.inChat')}
            aria-expanded={searching}
            onClick={() => setSearching((v) => !v)}
          >
            <Icon name="search" />
          </button>
          <button
            type="button"
            className="icon"
            aria-label={t('chat.membersTitle')}
            aria-expanded={panel === 'members'}
            onClick={() => setPanel((p) => (p ? null : 'members'))}
          >
            <Icon name="people" />
          </button>
        </header>
        {searching && <ChatSearch chatId={chatId} onPick={jumpToQuote} onClose={() => setSearching(false)} />}
        {pinned && (
          <button type="button" className="pinned-bar" onClick={() => jumpToQuote(pinned.seq)}>
            <span className="muted small">
              <Icon name="pin" size={14} /> {t('chat.pinned')}
            </span>{' '}
            <span className="preview">{pinned.text.slice(0, 120)}</span>
          </button>
        )}
        {notice && (
          <p role="alert" className="notice" onClick={() => setNotice(null)}>
            {notice}
          </p>
        )}
        <div className="history" role="log" aria-label={t('chat.history')} aria-live="polite">
          {messages === null ? (
            <p className="muted pad">{t('common.loading')}</p>
          ) : rows.length === 0 ? (
            <p className="muted pad center">{t('chat.empty')}</p>
          ) : (
            <Virtuoso
              key={generation.current}
              ref={list}
              style={{ height: '100%' }}
              data={rows}
              firstItemIndex={firstItemIndex}
              initialTopMostItemIndex={
                highlight !== null && rows.some((r) => r.kind === 'msg' && r.m.seq === highlight)
                  ? { index: rows.findIndex((r) => r.kind === 'msg' && r.m.seq === highlight), align: 'center' }
                  : { index: 'LAST', align: 'end' }
              }
              rangeChanged={rangeChanged}
              computeItemKey={(_, row) => row.key}
              // Items re-render when anything they show changes, not only the rows.
              context={{ s, members, names, moderator, highlight }}
              startReached={startReached}
              endReached={endReached}
              // Follows new messages only when the reader is at the end (not while opened at the first unread).
              followOutput={(bottom) => (bottom && stuck.current ? 'auto' : false)}
              atBottomStateChange={setAtBottom}
              totalListHeightChanged={() => {
                if (stuck.current && !view.hasNewer) list.current?.scrollToIndex({ index: 'LAST', align: 'end' });
              }}
              scrollerRef={(el) => {
                // Every scroll (the reader's or ours) decides whether the view is pinned to the end;
                // a row growing at the end scrolls nothing, so it cannot unpin it.
                if (el instanceof HTMLElement) {
                  el.onscroll = () => {
                    // While everything fits there is no "end" to be pinned to: keep the intent as it was.
                    if (el.scrollHeight <= el.clientHeight + 48) return;
                    stuck.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 48;
                  };
                }
              }}
              atBottomThreshold={48}
              increaseViewportBy={{ top: 400, bottom: 200 }}
              components={{
                Header: () =>
                  view.hasOlder ? (
                    <div className="muted small center pad">{t('chat.loadingOlder')}</div>
                  ) : (
                    <div className="top-space" />
                  ),
              }}
              itemContent={(_, row, ctx) =>
                row.kind === 'day' ? (
                  <div className="day-sep" role="separator">
                    <span>{dayLabel(row.at, locale, t)}</span>
                  </div>
                ) : row.kind === 'unread' ? (
                  <div className="unread-sep" role="separator">
                    <span>{t('chat.unreadFrom')}</span>
                  </div>
                ) : row.kind === 'out' ? (
                  <PendingItem
                    o={row.o}
                    onRetry={() => session.retry(row.o.clientId)}
                    onDiscard={() => session.discard(row.o.clientId)}
                  />
                ) : (
                  <MessageItem
                    m={row.m}
                    chat={ctx.s}
                    members={ctx.members}
                    names={ctx.names}
                    moderator={ctx.moderator}
                    highlighted={ctx.highlight === row.m.seq}
                    onReply={() => setMode({ kind: 'reply', m: row.m })}
                    onEdit={() => setMode({ kind: 'edit', m: row.m })}
                    onForward={() => setDialog({ kind: 'forward', m: row.m })}
                    onReport={() => setDialog({ kind: 'report', m: row.m })}
                    onReaders={() => setDialog({ kind: 'readers', m: row.m })}
                    onQuote={jumpToQuote}
                    onAuthor={(personId) => setCard(ctx.members?.find((x) => x.personId === personId) ?? null)}
                    onError={setNotice}
                  />
                )
              }
            />
          )}
          {(!atBottom || view.hasNewer) && rows.length > 0 && (
            <button
              type="button"
              className="jump-end"
              aria-label={t('chat.jumpToEnd')}
              onClick={() => {
                stuck.current = true;
                if (view.hasNewer) void session.jumpToEnd(chatId);
                else list.current?.scrollToIndex({ index: rows.length - 1, align: 'end' });
                setHighlight(null);
              }}
            >
              <Icon name="down" />
              {s.unread > 0 && <span className="badge unread">{s.unread}</span>}
            </button>
          )}
        </div>
        <div className="typing small muted" aria-live="polite">
          {typingNames.length === 1
            ? t('chat.typing1', { name: typingNames[0]! })
            : typingNames.length > 1
              ? t('chat.typingMany')
              : ''}
        </div>
        <Composer
          chat={s}
          members={members}
          mode={mode}
          names={names}
          onModeDone={() => setMode({ kind: 'new' })}
          onSent={() => {
            stuck.current = true;
            setHighlight(null);
            if (view.hasNewer) void session.jumpToEnd(chatId);
            else requestAnimationFrame(() => list.current?.scrollToIndex({ index: 'LAST', align: 'end' }));
          }}
          onError={setNotice}
        />
      </section>
      {panel === 'members' && <MembersPanel chat={s} members={members} moderator={moderator} onClose={() => setPanel(null)} />}
      {card && <ProfileCard chat={s} member={card} moderator={moderator} onClose={() => setCard(null)} />}
      {dialog?.kind === 'readers' && <ReadersDialog chat={s} m={dialog.m} names={names} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'forward' && (
        <ForwardDialog
          m={dialog.m}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            setNotice(t('forward.done'));
          }}
        />
      )}
      {dialog?.kind === 'report' && (
        <ReportDialog
          m={dialog.m}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            setNotice(t('msg.reported'));
          }}
        />
      )}
    </div>
  );
}

/** Full-text search inside one chat. */
function ChatSearch({ chatId, onPick, onClose }: { chatId: number; onPick: (seq: number) => void; onClose: () => void }) {
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

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { ChatMember } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { errorText } from '../state/client.js';
import { useChat, useSession } from '../state/hooks.js';
import { isSchoolAdmin } from '../state/profiles.js';
import { go } from '../state/route.js';
import { Composer, type ComposerMode } from './Composer.js';
import { MessageDialog, type MessageDialogState } from './ChatDialogs.js';
import { ChatHeader } from './ChatHeader.js';
import { ChatSearch } from './ChatSearch.js';
import { MembersPanel, ProfileCard } from './MembersPanel.js';
import { MessageItem, PendingItem } from './MessageItem.js';
import { dayLabel, lastWhere } from './common.js';
import { Icon } from './icons.js';
import { useDirectPresence, useHistoryRows, useSeenReporting, useWindowAnchor } from './chatHooks.js';

/** One chat: header, history (virtualized, loads upward without jumps), typing, composer, members. */
export function ChatScreen({ chatId, jumpSeq }: { chatId: number; jumpSeq?: number | undefined }) {
  const { t, locale } = useI18n();
  const [session, state] = useSession();
  const view = useChat(chatId);
  const [mode, setMode] = useState<ComposerMode>({ kind: 'new' });
  const [panel, setPanel] = useState<'members' | null>(null);
  const [searching, setSearching] = useState(false);
  const [dialog, setDialog] = useState<MessageDialogState | null>(null);
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

  useEffect(() => {
    if (jumpSeq !== undefined) {
      setHighlight(jumpSeq);
      void session.jumpTo(chatId, jumpSeq).catch((err: unknown) => setNotice(errorText(err)));
    }
  }, [session, chatId, jumpSeq]);

  const messages = view?.messages ?? null;
  const rows = useHistoryRows(chatId, view, state.outbox, unreadFrom);
  const { generation, firstItemIndex } = useWindowAnchor(messages, rows);

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

  // Direct chats show whether the other person is online.
  const other = useDirectPresence(view, state.conn);
  const rangeChanged = useSeenReporting(chatId, view, rows, firstItemIndex);

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
        <ChatHeader
          s={s}
          presence={other !== undefined ? state.presence.get(other) : undefined}
          searching={searching}
          onSearch={() => setSearching((v) => !v)}
          membersOpen={panel === 'members'}
          onMembers={() => setPanel((p) => (p ? null : 'members'))}
        />
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
              key={generation}
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
      {dialog && <MessageDialog dialog={dialog} chat={s} names={names} onClose={() => setDialog(null)} onNotice={setNotice} />}
    </div>
  );
}

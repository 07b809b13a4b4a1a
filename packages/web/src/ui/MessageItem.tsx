import { memo, type ReactNode } from 'react';
import type { ChatMember, ChatSummary, Message } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { useSessionObject } from '../state/hooks.js';
import { errorText } from '../state/client.js';
import type { Outgoing } from '../state/outbox.js';
import { timeOf } from './common.js';
import { Icon } from './icons.js';
import { QUICK_REACTIONS } from './reactions.js';

interface Props {
  m: Message;
  chat: ChatSummary;
  members: ChatMember[] | null;
  names: ReadonlyMap<number, string>;
  moderator: boolean;
  highlighted: boolean;
  onReply: () => void;
  onEdit: () => void;
  onForward: () => void;
  onReport: () => void;
  onReaders: () => void;
  onQuote: (seq: number) => void;
  /** Opens the author's profile card. */
  onAuthor: (personId: number) => void;
  onError: (text: string) => void;
}

/** One message: author, quote, text with light formatting, reactions, receipts and its actions. */
export const MessageItem = memo(function MessageItem(p: Props) {
  const { t, locale } = useI18n();
  const session = useSessionObject();
  const { m, chat } = p;
  const mine = m.senderPersonId === chat.myPersonId;
  const deleted = m.deletedAt !== null;
  const author = p.names.get(m.senderPersonId) ?? t('msg.unknownAuthor');
  const act = (f: () => Promise<Message>) =>
    void f()
      .then((changed) => session.applyMessage(changed))
      .catch((err: unknown) => p.onError(errorText(err)));
  const others = (p.members ?? []).filter((x) => x.personId !== m.senderPersonId);
  const readCount = others.filter((x) => x.readSeq >= m.seq).length;
  const iRead = chat.readSeq >= m.seq;
  const canReply = !deleted && (chat.canPost || (chat.kind === 'channel' && chat.allowComments && chat.myRole !== 'readonly'));

  return (
    <article
      className={`msg${mine ? ' mine' : ''}${p.highlighted ? ' highlighted' : ''}${m.mustAcknowledge ? ' announcement' : ''}`}
      aria-label={t('msg.author', { name: mine ? t('common.you') : author })}
      tabIndex={0}
      data-seq={m.seq}
    >
      <div className="bubble">
        {!mine && chat.kind !== 'direct' && (
          <button type="button" className="author link" onClick={() => p.onAuthor(m.senderPersonId)}>
            {author}
          </button>
        )}
        {m.forwardedFrom && (
          <div className="forwarded small muted">
            {t('msg.forwarded', { name: m.forwardedFrom.senderName, chat: m.forwardedFrom.chatTitle })}
          </div>
        )}
        {m.replyTo && (
          <button type="button" className="quote" onClick={() => p.onQuote(m.replyTo!.seq)}>
            <span className="author small">{p.names.get(m.replyTo.senderPersonId) ?? t('msg.unknownAuthor')}</span>
            <span className="small">{m.replyTo.excerpt ? formatText(m.replyTo.excerpt, false) : t('msg.deleted')}</span>
          </button>
        )}
        {m.mustAcknowledge && !deleted && (
          <div className="ack-flag small">
            <Icon name="alert" size={14} /> {t('msg.mustAck')}
          </div>
        )}
        <div className="text">
          {deleted ? <em className="muted">{t('msg.deleted')}</em> : formatText(m.text, m.mentions.length > 0 || m.mentionAll)}
        </div>
        <div className="meta small muted">
          {m.pinned && (
            <span role="img" aria-label={t('chat.pinned')}>
              <Icon name="pin" size={12} />
            </span>
          )}
          {m.editedAt && !deleted && <span>{t('msg.edited')} · </span>}
          <time dateTime={new Date(m.createdAt).toISOString()}>{timeOf(m.createdAt, locale)}</time>
          {mine && !deleted && chat.kind !== 'channel' && p.members && (
            <button type="button" className="link receipts" onClick={p.onReaders}>
              {chat.kind === 'direct' ? (readCount > 0 ? '✓✓' : '✓') : t('msg.readBy', { read: readCount, total: others.length })}
            </button>
          )}
        </div>
        {Object.keys(m.reactions).length > 0 && !deleted && (
          <div className="reactions">
            {Object.entries(m.reactions).map(([emoji, who]) => {
              const reacted = who.includes(chat.myPersonId);
              return (
                <button
                  key={emoji}
                  type="button"
                  className={reacted ? 'reaction on' : 'reaction'}
                  aria-pressed={reacted}
                  aria-label={`${emoji} ${who.length}`}
                  title={who.map((id) => p.names.get(id) ?? '').join(', ')}
                  onClick={() =>
                    act(() =>
                      reacted ? session.client.unreact(chat.id, m.seq, emoji) : session.client.react(chat.id, m.seq, emoji),
                    )
                  }
                >
                  {emoji} {who.length}
                </button>
              );
            })}
          </div>
        )}
        {m.mustAcknowledge && !deleted && (
          <div className="ack-row small">
            {mine || p.moderator ? (
              <button type="button" className="link" onClick={p.onReaders}>
                {t('msg.notAcked', { count: others.filter((x) => x.readSeq < m.seq).length })}
              </button>
            ) : iRead ? (
              <span className="muted">✓ {t('msg.acked')}</span>
            ) : (
              <button type="button" className="primary small-btn" onClick={() => session.acknowledge(chat.id, m.seq)}>
                {t('msg.ack')}
              </button>
            )}
          </div>
        )}
      </div>
      {!deleted && (
        <div className="msg-actions" role="toolbar" aria-label={t('msg.actions')}>
          {QUICK_REACTIONS.slice(0, 3).map((e) => (
            <button
              key={e}
              type="button"
              className="icon small-btn"
              aria-label={`${t('msg.react')} ${e}`}
              onClick={() => act(() => session.client.react(chat.id, m.seq, e))}
            >
              {e}
            </button>
          ))}
          {canReply && (
            <button type="button" className="small-btn" onClick={p.onReply}>
              {t('msg.reply')}
            </button>
          )}
          <button type="button" className="small-btn" onClick={p.onForward}>
            {t('msg.forward')}
          </button>
          {mine && chat.canPost && (
            <button type="button" className="small-btn" onClick={p.onEdit}>
              {t('msg.edit')}
            </button>
          )}
          {p.moderator && (
            <button type="button" className="small-btn" onClick={() => act(() => session.client.pin(chat.id, m.seq, !m.pinned))}>
              {m.pinned ? t('msg.unpin') : t('msg.pin')}
            </button>
          )}
          {(mine || p.moderator) && (
            <button
              type="button"
              className="small-btn danger"
              onClick={() => {
                if (window.confirm(t('msg.deleteConfirm'))) act(() => session.client.deleteMessage(chat.id, m.seq));
              }}
            >
              {t('msg.delete')}
            </button>
          )}
          {!mine && (
            <button type="button" className="small-btn" onClick={p.onReport}>
              {t('msg.report')}
            </button>
          )}
        </div>
      )}
    </article>
  );
});

/** A message written here that the server has not stored yet. */
export function PendingItem({ o, onRetry, onDiscard }: { o: Outgoing; onRetry: () => void; onDiscard: () => void }) {
  const { t, locale } = useI18n();
  return (
    <article className={`msg mine pending ${o.status}`} aria-label={t('common.you')} data-client-id={o.clientId}>
      <div className="bubble">
        <div className="text">{formatText(o.text, o.mentions.length > 0 || o.mentionAll)}</div>
        <div className="meta small muted">
          <time>{timeOf(o.createdAt, locale)}</time>{' '}
          {o.status === 'failed' ? (
            <span className="error">
              {t('msg.failed', { reason: o.error ?? '' })}{' '}
              <button type="button" className="link" onClick={onRetry}>
                {t('msg.retry')}
              </button>{' '}
              <button type="button" className="link" onClick={onDiscard}>
                {t('msg.discard')}
              </button>
            </span>
          ) : (
            <span
              aria-label={o.status === 'queued' ? t('msg.queued') : t('msg.sending')}
              title={o.status === 'queued' ? t('msg.queued') : t('msg.sending')}
            >
              <Icon name="clock" size={14} />
            </span>
          )}
        </div>
      </div>
    </article>
  );
}

const TOKEN = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])|\*([^*\n]+)\*|_([^_\n]+)_|(@[\p{L}-]+(?: [\p{L}-]+)?)/gu;

/**
 * Light formatting: *bold*, _italic_, links. `@Name` is highlighted when the message carries
 * mentions (the server's list of persons, or @all), so it does not depend on the member list.
 */
export function formatText(text: string, mentions: boolean): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const match of text.matchAll(TOKEN)) {
    const at = match.index;
    if (at > last) out.push(text.slice(last, at));
    const [whole, url, bold, italic, mention] = match;
    if (url) {
      out.push(
        <a key={key++} href={url} target="_blank" rel="noopener noreferrer">
          {url}
        </a>,
      );
    } else if (bold) out.push(<strong key={key++}>{bold}</strong>);
    else if (italic) out.push(<em key={key++}>{italic}</em>);
    else if (mention && mentions) {
      out.push(
        <span key={key++} className="mention">
          {mention}
        </span>,
      );
    } else out.push(whole);
    last = at + whole.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

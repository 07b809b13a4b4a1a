import { useEffect, useState } from 'react';
import type { ChatSummary, Message, Readers } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';
import { errorText } from '../state/client.js';
import { Avatar, Dialog } from './common.js';

/** Who has read a message and who has not (announcements: who has not acknowledged). */
export function ReadersDialog({
  chat,
  m,
  names,
  onClose,
}: {
  chat: ChatSummary;
  m: Message;
  names: ReadonlyMap<number, string>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [session] = useSession();
  const [readers, setReaders] = useState<Readers | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    session.client
      .readers(chat.id, m.seq)
      .then(setReaders)
      .catch((err: unknown) => setError(errorText(err)));
  }, [session, chat.id, m.seq]);
  const list = (ids: number[]) => (
    <ul className="people">
      {ids
        .filter((id) => id !== m.senderPersonId)
        .map((id) => {
          const name = names.get(id) ?? t('msg.unknownAuthor');
          return (
            <li key={id}>
              <Avatar name={name} id={id} size={28} /> {name}
            </li>
          );
        })}
    </ul>
  );
  // In channels and roster chats a student or parent gets only the names they may see, and the whole counts.
  const count = (ids: number[], total: number | undefined) => total ?? ids.filter((id) => id !== m.senderPersonId).length;
  const hidden = (ids: number[], total: number | undefined) => {
    const more = count(ids, total) - ids.filter((id) => id !== m.senderPersonId).length;
    return more > 0 ? <p className="muted small">{t('msg.readersHidden', { count: more })}</p> : null;
  };
  return (
    <Dialog title={m.mustAcknowledge ? t('msg.mustAck') : t('msg.readersTitle')} onClose={onClose}>
      {error && <p className="error">{error}</p>}
      {!readers && !error && <p className="muted">{t('common.loading')}</p>}
      {readers && (
        <div className="readers">
          <section aria-labelledby="not-read">
            <h3 id="not-read">
              {t('msg.notReaders')} ({count(readers.unread, readers.unreadCount)})
            </h3>
            {list(readers.unread)}
            {hidden(readers.unread, readers.unreadCount)}
          </section>
          <section aria-labelledby="have-read">
            <h3 id="have-read">
              {t('msg.readers')} ({count(readers.read, readers.readCount)})
            </h3>
            {list(readers.read)}
            {hidden(readers.read, readers.readCount)}
          </section>
        </div>
      )}
    </Dialog>
  );
}

/** Picks a chat to forward a message to. */
export function ForwardDialog({ m, onClose, onDone }: { m: Message; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [session, state] = useSession();
  const [filter, setFilter] = useState('');
  const targets = [...state.chats.values()]
    .map((v) => v.summary)
    .filter((c) => c.canPost && c.title.toLocaleLowerCase('ru').includes(filter.toLocaleLowerCase('ru')))
    .slice(0, 50);
  return (
    <Dialog title={t('forward.title')} onClose={onClose}>
      <input
        type="search"
        aria-label={t('nav.search')}
        placeholder={t('nav.search')}
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <ul className="pick-list">
        {targets.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              className="chat-item"
              onClick={() => {
                session.send(c.id, { text: m.text || '↪', forward: { chatId: m.chatId, seq: m.seq } });
                onDone();
              }}
            >
              <Avatar name={c.title} id={c.id} size={28} /> {c.title}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** Reports a message to the school's moderators. */
export function ReportDialog({ m, onClose, onDone }: { m: Message; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [session] = useSession();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title={t('msg.report')} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          session.client
            .report(m.chatId, m.seq, reason.trim())
            .then(onDone)
            .catch((err: unknown) => setError(errorText(err)));
        }}
      >
        <blockquote className="muted">{m.text.slice(0, 300)}</blockquote>
        <label htmlFor="report-reason">{t('msg.reportReason')}</label>
        <textarea id="report-reason" value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />
        {error && <p className="error">{error}</p>}
        <div className="row end">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={!reason.trim()}>
            {t('msg.report')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A dialog opened from a message's menu. */
export interface MessageDialogState {
  kind: 'readers' | 'forward' | 'report';
  m: Message;
}

/** The dialog a message's menu opened: who read it, forwarding it, or reporting it. */
export function MessageDialog({
  dialog,
  chat,
  names,
  onClose,
  onNotice,
}: {
  dialog: MessageDialogState;
  chat: ChatSummary;
  names: ReadonlyMap<number, string>;
  onClose: () => void;
  /** Tells the chat what was done. */
  onNotice: (text: string) => void;
}) {
  const { t } = useI18n();
  const done = (text: string) => () => {
    onClose();
    onNotice(text);
  };
  if (dialog.kind === 'readers') return <ReadersDialog chat={chat} m={dialog.m} names={names} onClose={onClose} />;
  if (dialog.kind === 'forward') return <ForwardDialog m={dialog.m} onClose={onClose} onDone={done(t('forward.done'))} />;
  return <ReportDialog m={dialog.m} onClose={onClose} onDone={done(t('msg.reported'))} />;
}

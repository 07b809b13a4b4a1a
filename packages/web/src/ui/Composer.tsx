import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { hasVisibleText, MAX_MESSAGE_CHARS, type ChatMember, type ChatSummary, type Message } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';
import { mayAddressAll } from '../state/profiles.js';
import { errorText } from '../state/client.js';
import { lastWhere } from './common.js';
import { Icon } from './icons.js';

/** What the composer is writing: a new message, a reply, or an edit. */
export type ComposerMode = { kind: 'new' } | { kind: 'reply'; m: Message } | { kind: 'edit'; m: Message };

interface Props {
  chat: ChatSummary;
  members: ChatMember[] | null;
  mode: ComposerMode;
  names: ReadonlyMap<number, string>;
  onModeDone: () => void;
  onSent: () => void;
  onError: (text: string) => void;
}

const ALL_WORDS = ['все', 'all'];

/** The word after an `@` just before the caret, or null when the caret is not in a mention. */
function mentionQuery(value: string, caret: number): string | null {
  const match = /(?:^|\s)@([\p{L}-]*)$/u.exec(value.slice(0, caret));
  return match ? match[1]! : null;
}

/** The message box: Enter sends, Shift+Enter breaks the line, @ suggests members, ↑ edits the last message. */
export function Composer({ chat, members, mode, names, onModeDone, onSent, onError }: Props) {
  const { t, locale, lang } = useI18n();
  const [session, state] = useSession();
  const [text, setText] = useState('');
  const [mentions, setMentions] = useState<Map<number, string>>(new Map());
  const [mustAck, setMustAck] = useState(false);
  const [suggest, setSuggest] = useState<{ query: string; index: number } | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  /** The text at which the user dismissed the suggestions with Escape. */
  const dismissed = useRef<string | null>(null);
  /** Where the caret goes once the text just set is on screen (after a mention is inserted). */
  const caretAt = useRef<number | null>(null);
  // Synchronously after the commit, so the next keystroke lands after the inserted mention.
  useLayoutEffect(() => {
    if (caretAt.current === null || !box.current) return;
    box.current.focus();
    box.current.setSelectionRange(caretAt.current, caretAt.current);
    caretAt.current = null;
  }, [text]);
  const canAll = mayAddressAll(state.me, chat);

  useEffect(() => {
    setEditing(null);
    if (mode.kind === 'edit') setText(mode.m.text);
    if (mode.kind !== 'new') box.current?.focus();
  }, [mode]);

  const effective: ComposerMode = editing && mode.kind === 'new' ? { kind: 'edit', m: editing } : mode;
  const muted = chat.mutedUntil !== null && chat.mutedUntil > Date.now();
  const commentOnly = !chat.canPost && chat.kind === 'channel' && chat.allowComments && chat.myRole !== 'readonly' && !muted;
  const allowed = chat.canPost || (commentOnly && mode.kind === 'reply');

  const optionsFor = (query: string) => {
    const q = query.toLocaleLowerCase('ru');
    const people = (members ?? [])
      .filter(
        (m) =>
          m.personId !== chat.myPersonId &&
          m.name
            .toLocaleLowerCase('ru')
            .split(' ')
            .some((w) => w.startsWith(q)),
      )
      .slice(0, 8)
      .map((m) => ({ id: m.personId, label: m.name }));
    const all = canAll && ALL_WORDS.some((w) => w.startsWith(q)) ? [{ id: 0, label: t('composer.mentionAll') }] : [];
    return [...all, ...people];
  };
  const options = suggest ? optionsFor(suggest.query) : [];

  if (!allowed && effective.kind !== 'edit') {
    const reason = muted
      ? t('chat.muted', { time: new Date(chat.mutedUntil!).toLocaleString(locale) })
      : commentOnly
        ? t('chat.commentOnly')
        : t('chat.readonly');
    return (
      <div className="composer disabled muted small" role="note">
        {reason}
      </div>
    );
  }

  const onChange = (value: string) => {
    setText(value);
    session.typing(chat.id);
    const query = mentionQuery(value, box.current?.selectionStart ?? value.length);
    setSuggest(query !== null ? { query, index: 0 } : null);
  };

  const pick = (option: { id: number; label: string }) => {
    const el = box.current;
    const caret = el?.selectionStart ?? text.length;
    const before = text.slice(0, caret).replace(/@([\p{L}-]*)$/u, '');
    const word = option.id === 0 ? (lang === 'ru' ? '@все' : '@all') : `@${option.label}`;
    const next = `${before}${word} ${text.slice(caret)}`;
    setText(next);
    if (option.id !== 0) setMentions((m) => new Map(m).set(option.id, option.label));
    setSuggest(null);
    caretAt.current = before.length + word.length + 1;
  };

  const submit = () => {
    const body = text.trim();
    // Invisible characters alone (zero-width spaces, fillers) are an empty message: the server refuses them too.
    if (!hasVisibleText(body) || body.length > MAX_MESSAGE_CHARS) return;
    if (effective.kind === 'edit') {
      session.client
        .editMessage(chat.id, effective.m.seq, body)
        .then((m) => session.applyMessage(m))
        .catch((err: unknown) => onError(errorText(err)));
    } else {
      const lower = body.toLocaleLowerCase('ru');
      const ids = [...mentions].filter(([, name]) => body.includes(`@${name}`)).map(([id]) => id);
      session.send(chat.id, {
        text: body,
        mentions: ids,
        mentionAll: canAll && ALL_WORDS.some((w) => new RegExp(`(^|\\s)@${w}(?![\\p{L}])`, 'u').test(lower)),
        mustAcknowledge: canAll && mustAck,
        ...(mode.kind === 'reply' ? { replyToSeq: mode.m.seq } : {}),
      });
      onSent();
    }
    setText('');
    setMentions(new Map());
    setMustAck(false);
    setEditing(null);
    onModeDone();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // The suggestions for what is in the box now (not what the last render saw).
    const query = mentionQuery(e.currentTarget.value, e.currentTarget.selectionStart);
    const options = query !== null ? optionsFor(query) : [];
    const open = query !== null && options.length > 0 && !(suggest === null && dismissed.current === e.currentTarget.value);
    if (open) {
      const index = Math.min(suggest?.index ?? 0, options.length - 1);
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setSuggest({ query, index: (index + d + options.length) % options.length });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(options[index]!);
        return;
      }
      if (e.key === 'Escape') {
        // Enter now sends the text as typed.
        dismissed.current = e.currentTarget.value;
        setSuggest(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && effective.kind !== 'new') {
      setText('');
      setEditing(null);
      onModeDone();
    } else if (e.key === 'ArrowUp' && text === '' && mode.kind === 'new') {
      const mine = lastWhere(
        session.state.chats.get(chat.id)?.messages,
        (m) => m.senderPersonId === chat.myPersonId && !m.deletedAt,
      );
      if (mine) {
        e.preventDefault();
        setText(mine.text);
        setEditing(mine);
      }
    }
  };

  const over = text.length > MAX_MESSAGE_CHARS;

  return (
    <div className="composer">
      {effective.kind !== 'new' && (
        <div className="composer-context small">
          <span>
            {effective.kind === 'reply'
              ? t('composer.replyTo', { name: names.get(effective.m.senderPersonId) ?? t('msg.unknownAuthor') })
              : t('composer.editing')}
            : <span className="muted">{effective.m.text.slice(0, 80)}</span>
          </span>
          <button
            type="button"
            className="link"
            onClick={() => {
              setEditing(null);
              setText('');
              onModeDone();
            }}
          >
            {t('composer.cancel')}
          </button>
        </div>
      )}
      {suggest && options.length > 0 && (
        <ul className="suggest" role="listbox" aria-label={t('composer.mentions')}>
          {options.map((o, i) => (
            <li key={o.id} role="option" aria-selected={i === suggest.index}>
              <button type="button" tabIndex={-1} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(o)}>
                @{o.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="composer-row"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea
          ref={box}
          rows={1}
          value={text}
          aria-label={t('composer.label')}
          aria-invalid={over}
          placeholder={chat.canPost ? t('composer.placeholder') : t('composer.commentPlaceholder')}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => setSuggest(null)}
        />
        <button type="submit" className="primary" disabled={!hasVisibleText(text) || over} aria-label={t('composer.send')}>
          <Icon name="send" />
        </button>
      </form>
      <div className="composer-foot small muted">
        {canAll && effective.kind === 'new' && (
          <label>
            <input type="checkbox" checked={mustAck} onChange={(e) => setMustAck(e.target.checked)} /> {t('composer.mustAck')}
          </label>
        )}
        {text.length > MAX_MESSAGE_CHARS - 200 && (
          <span className={over ? 'error' : ''}>
            {text.length} / {MAX_MESSAGE_CHARS}
          </span>
        )}
      </div>
    </div>
  );
}

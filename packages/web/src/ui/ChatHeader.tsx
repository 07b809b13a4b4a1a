import type { ChatSummary, Presence } from '@parta/protocol';
import { useI18n, type StringKey } from '../i18n/index.js';
import { href } from '../state/route.js';
import { Avatar } from './common.js';
import { Icon } from './icons.js';

/** What a chat's header says under its title: the channel's rules, the other person's presence, or the members. */
function useSubtitle(s: ChatSummary, presence: Presence | undefined): string {
  const { t, locale } = useI18n();
  if (s.kind === 'channel') {
    return `${t('kind.channel')} · ${s.canPost ? t('chat.canPost') : s.allowComments ? t('chat.channelComments') : t('chat.channelPosting')}`;
  }
  if (s.kind === 'direct') {
    if (presence?.online) return t('presence.online');
    if (!presence?.lastSeenAt) return t('kind.direct');
    return t('presence.lastSeen', {
      when: new Date(presence.lastSeenAt).toLocaleString(locale, {
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }),
    });
  }
  return `${s.purpose ? t(`purpose.${s.purpose}` as StringKey) : t('kind.group')} · ${t('chat.members', { count: s.memberCount })}`;
}

/** A chat's header: the way back, its title and subtitle, the search and members toggles. */
export function ChatHeader({
  s,
  presence,
  searching,
  onSearch,
  membersOpen,
  onMembers,
}: {
  s: ChatSummary;
  /** The other person's presence, in a direct chat. */
  presence: Presence | undefined;
  searching: boolean;
  onSearch: () => void;
  membersOpen: boolean;
  onMembers: () => void;
}) {
  const { t } = useI18n();
  const subtitle = useSubtitle(s, presence);
  return (
    <header className="chat-head">
      <a className="icon back" href={href({ name: 'home' })} aria-label={t('nav.back')}>
        <Icon name="back" />
      </a>
      <Avatar name={s.title} id={s.id} />
      <div className="chat-head-text">
        <h1 id="chat-title">{s.title}</h1>
        <p className="muted small">{subtitle}</p>
      </div>
      <button type="button" className="icon" aria-label={t('search.inChat')} aria-expanded={searching} onClick={onSearch}>
        <Icon name="search" />
      </button>
      <button type="button" className="icon" aria-label={t('chat.membersTitle')} aria-expanded={membersOpen} onClick={onMembers}>
        <Icon name="people" />
      </button>
    </header>
  );
}

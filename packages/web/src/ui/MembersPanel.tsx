import { useState } from 'react';
import type { ChatMember, ChatSummary } from '@parta/protocol';
import { Icon } from './icons.js';
import { useI18n, type StringKey } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';
import { go } from '../state/route.js';
import { errorText } from '../state/client.js';
import { Avatar, Dialog, RoleBadges } from './common.js';

/** The chat's members with role badges; a click opens the profile card. */
export function MembersPanel({
  chat,
  members,
  moderator,
  onClose,
}: {
  chat: ChatSummary;
  members: ChatMember[] | null;
  moderator: boolean;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [card, setCard] = useState<ChatMember | null>(null);
  const [filter, setFilter] = useState('');
  const shown = (members ?? []).filter((m) => m.name.toLocaleLowerCase('ru').includes(filter.toLocaleLowerCase('ru')));
  // In channels and roster chats a student or parent is listed only whom they may see by name; the count stays whole.
  const total = Math.max(members?.length ?? 0, chat.memberCount);
  const unnamed = members ? total - members.length : 0;
  return (
    <aside className="side-panel" aria-labelledby="members-title">
      <header>
        <h2 id="members-title">
          {t('chat.membersTitle')} ({total})
        </h2>
        <button type="button" className="icon" aria-label={t('common.close')} onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {(members?.length ?? 0) > 10 && (
        <input
          type="search"
          aria-label={t('newGroup.filter')}
          placeholder={t('newGroup.filter')}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      )}
      {!members && <p className="muted">{t('common.loading')}</p>}
      <ul className="people">
        {shown.slice(0, 500).map((m) => (
          <li key={m.personId}>
            <button type="button" className="person" onClick={() => setCard(m)}>
              <Avatar name={m.name} id={m.personId} size={32} />
              <span>
                <span className="name">
                  {m.name}
                  {m.personId === chat.myPersonId && <span className="muted small"> ({t('member.you')})</span>}
                </span>
                <RoleBadges roles={m.roles} homeroom={m.homeroom} />
                {m.role !== 'member' && <span className="muted small"> {t(`chatRole.${m.role}` as StringKey)}</span>}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {unnamed > 0 && <p className="muted small">{t('members.unnamed', { count: unnamed })}</p>}
      {card && <ProfileCard chat={chat} member={card} moderator={moderator} onClose={() => setCard(null)} />}
    </aside>
  );
}

/** A person's card: name, role badges, chat role; write to them; moderation for admins. */
export function ProfileCard({
  chat,
  member,
  moderator,
  onClose,
}: {
  chat: ChatSummary;
  member: ChatMember;
  moderator: boolean;
  onClose: () => void;
}) {
  const { t, locale } = useI18n();
  const [session] = useSession();
  const [error, setError] = useState<string | null>(null);
  const self = member.personId === chat.myPersonId;
  const muted = member.mutedUntil !== null && member.mutedUntil > Date.now();
  const run = (f: () => Promise<unknown>) =>
    void f()
      .then(() => session.loadMembers(chat.id))
      .then(onClose)
      .catch((err: unknown) => setError(errorText(err)));
  return (
    <Dialog title={member.name} onClose={onClose}>
      <div className="profile-card">
        <Avatar name={member.name} id={member.personId} size={64} />
        <div>
          <RoleBadges roles={member.roles} homeroom={member.homeroom} />
          <p className="muted small">{t(`chatRole.${member.role}` as StringKey)}</p>
          {muted && (
            <p className="small error">
              {t('member.muted')} · {new Date(member.mutedUntil!).toLocaleString(locale)}
            </p>
          )}
        </div>
      </div>
      {error && <p className="error">{error}</p>}
      <div className="row wrap">
        {!self && (
          <button
            type="button"
            className="primary"
            onClick={() =>
              void session.client
                .openDirect(member.personId)
                .then((c) => {
                  session.addChat(c);
                  onClose();
                  go({ name: 'chat', chatId: c.id });
                })
                .catch((err: unknown) => setError(errorText(err)))
            }
          >
            {t('member.write')}
          </button>
        )}
        {moderator && !self && member.role !== 'owner' && (
          <>
            <button
              type="button"
              onClick={() =>
                run(() =>
                  session.client.updateMember(chat.id, member.personId, { mutedUntil: muted ? null : Date.now() + 86_400_000 }),
                )
              }
            >
              {muted ? t('member.unmute') : t('member.mute')}
            </button>
            {chat.kind !== 'direct' && (
              <button
                type="button"
                onClick={() =>
                  run(() =>
                    session.client.updateMember(chat.id, member.personId, { role: member.role === 'admin' ? 'member' : 'admin' }),
                  )
                }
              >
                {member.role === 'admin' ? t('member.makeMember') : t('member.makeAdmin')}
              </button>
            )}
            {chat.kind !== 'direct' && chat.purpose === null && (
              <button
                type="button"
                className="danger"
                onClick={() => run(() => session.client.removeMember(chat.id, member.personId))}
              >
                {t('member.remove')}
              </button>
            )}
          </>
        )}
      </div>
    </Dialog>
  );
}

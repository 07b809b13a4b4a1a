import { useEffect, useState, type FormEvent } from 'react';
import type { PersonCard, SchoolClass } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';
import { mayCreateGroups } from '../state/profiles.js';
import { go } from '../state/route.js';
import { errorText } from '../state/client.js';
import { RoleBadges, ScreenHeader } from './common.js';

/** A teacher creates a group chat (or channel) from whole classes and/or people of the directory. */
export function NewGroupScreen() {
  const { t } = useI18n();
  const [session, state] = useSession();
  const schools = state.me.organizations.filter((o) => mayCreateGroups(state.me, o.id));
  const [orgId, setOrgId] = useState<number | null>(schools[0]?.id ?? null);
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<'group' | 'channel'>('group');
  const [allowComments, setAllowComments] = useState(false);
  const [classes, setClasses] = useState<SchoolClass[]>([]);
  const [people, setPeople] = useState<PersonCard[]>([]);
  const [classIds, setClassIds] = useState<Set<number>>(new Set());
  const [personIds, setPersonIds] = useState<Set<number>>(new Set());
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (orgId === null) return;
    setClassIds(new Set());
    setPersonIds(new Set());
    Promise.all([session.client.classes(orgId), session.client.people(orgId, { limit: 500 })])
      .then(([c, p]) => {
        setClasses(c.classes);
        setPeople(p.people);
      })
      .catch((err: unknown) => setError(errorText(err)));
  }, [session, orgId]);

  if (orgId === null) {
    return (
      <div className="screen">
        <div className="screen-body">
          <p>{t('newGroup.notAllowed')}</p>
        </div>
      </div>
    );
  }

  const toggle = (set: Set<number>, id: number) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };
  const me = new Set(state.me.profiles.map((p) => p.personId));
  const q = filter.trim().toLocaleLowerCase('ru');
  const shown = people
    .filter(
      (p) => !me.has(p.id) && (!q || `${p.lastName} ${p.firstName} ${p.middleName ?? ''}`.toLocaleLowerCase('ru').includes(q)),
    )
    .slice(0, 100);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const chat = await session.client.createChat({
        kind,
        organizationId: orgId,
        title: title.trim(),
        classIds: [...classIds],
        personIds: [...personIds],
        allowComments: kind === 'channel' && allowComments,
      });
      session.addChat(chat);
      go({ name: 'chat', chatId: chat.id });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <div className="screen">
      <ScreenHeader title={t('newGroup.title')} />
      <form className="screen-body form" onSubmit={(e) => void submit(e)}>
        {schools.length > 1 && (
          <label>
            {t('newGroup.school')}
            <select value={orgId} onChange={(e) => setOrgId(Number(e.target.value))}>
              {schools.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.shortName}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('newGroup.name')}
          <input required maxLength={128} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <fieldset>
          <legend>{t('newGroup.kind')}</legend>
          <label>
            <input type="radio" name="kind" checked={kind === 'group'} onChange={() => setKind('group')} /> {t('kind.group')}
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === 'channel'} onChange={() => setKind('channel')} />{' '}
            {t('kind.channel')}
          </label>
          {kind === 'channel' && (
            <label>
              <input type="checkbox" checked={allowComments} onChange={(e) => setAllowComments(e.target.checked)} />{' '}
              {t('newGroup.allowComments')}
            </label>
          )}
        </fieldset>
        <fieldset>
          <legend>{t('newGroup.classes')}</legend>
          <div className="class-grid">
            {classes.map((c) => (
              <label key={c.id} className="chip">
                <input type="checkbox" checked={classIds.has(c.id)} onChange={() => setClassIds((s) => toggle(s, c.id))} />{' '}
                {c.name}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>
            {t('newGroup.people')} · <span className="muted small">{t('newGroup.selected', { count: personIds.size })}</span>
          </legend>
          <input
            type="search"
            aria-label={t('newGroup.filter')}
            placeholder={t('newGroup.filter')}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          <ul className="pick-list">
            {shown.map((p) => (
              <li key={p.id}>
                <label className="person">
                  <input type="checkbox" checked={personIds.has(p.id)} onChange={() => setPersonIds((s) => toggle(s, p.id))} />
                  <span>
                    {p.lastName} {p.firstName} {p.middleName ?? ''} <RoleBadges roles={p.roles} />
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !title.trim()}>
          {t('newGroup.create')}
        </button>
      </form>
    </div>
  );
}

/** Russian first names and the patronymics formed from the male ones, for demo and synthetic data. */

/** Male first names (adults and children alike). */
export const MALE_FIRST_NAMES: readonly string[] = [
  'Александр',
  'Алексей',
  'Анатолий',
  'Андрей',
  'Антон',
  'Аркадий',
  'Арсений',
  'Артём',
  'Богдан',
  'Борис',
  'Вадим',
  'Валентин',
  'Валерий',
  'Василий',
  'Виктор',
  'Виталий',
  'Владимир',
  'Владислав',
  'Всеволод',
  'Вячеслав',
  'Геннадий',
  'Георгий',
  'Глеб',
  'Григорий',
  'Даниил',
  'Данила',
  'Демид',
  'Денис',
  'Дмитрий',
  'Евгений',
  'Егор',
  'Елисей',
  'Захар',
  'Иван',
  'Игорь',
  'Илья',
  'Кирилл',
  'Константин',
  'Кузьма',
  'Лев',
  'Леонид',
  'Лука',
  'Макар',
  'Максим',
  'Марк',
  'Матвей',
  'Мирон',
  'Михаил',
  'Никита',
  'Николай',
  'Олег',
  'Павел',
  'Пётр',
  'Платон',
  'Прохор',
  'Роман',
  'Руслан',
  'Савва',
  'Святослав',
  'Семён',
  'Сергей',
  'Станислав',
  'Степан',
  'Тимофей',
  'Тимур',
  'Тихон',
  'Фёдор',
  'Филипп',
  'Юрий',
  'Яков',
  'Ярослав',
  'Гордей',
  'Фома',
];

/** Female first names. */
export const FEMALE_FIRST_NAMES: readonly string[] = [
  'Александра',
  'Алёна',
  'Алина',
  'Алиса',
  'Анастасия',
  'Ангелина',
  'Анна',
  'Антонина',
  'Арина',
  'Валентина',
  'Валерия',
  'Варвара',
  'Василиса',
  'Вера',
  'Вероника',
  'Виктория',
  'Галина',
  'Дарина',
  'Дарья',
  'Диана',
  'Ева',
  'Евгения',
  'Екатерина',
  'Елена',
  'Елизавета',
  'Есения',
  'Жанна',
  'Злата',
  'Зоя',
  'Инна',
  'Ирина',
  'Кира',
  'Клавдия',
  'Кристина',
  'Ксения',
  'Лариса',
  'Лидия',
  'Лилия',
  'Любовь',
  'Людмила',
  'Маргарита',
  'Марина',
  'Мария',
  'Милана',
  'Мирослава',
  'Надежда',
  'Наталья',
  'Нина',
  'Оксана',
  'Олеся',
  'Ольга',
  'Полина',
  'Раиса',
  'Регина',
  'Светлана',
  'Снежана',
  'София',
  'Стефания',
  'Таисия',
  'Тамара',
  'Татьяна',
  'Ульяна',
  'Эвелина',
  'Юлия',
  'Яна',
  'Ярослава',
  'Эльвира',
];

/** Patronymics whose form does not follow the general rules. */
const PATRONYMIC_EXCEPTIONS: Readonly<Record<string, readonly [string, string]>> = {
  Лев: ['Львович', 'Львовна'],
  Павел: ['Павлович', 'Павловна'],
  Пётр: ['Петрович', 'Петровна'],
  Яков: ['Яковлевич', 'Яковлевна'],
  Михаил: ['Михайлович', 'Михайловна'],
  Илья: ['Ильич', 'Ильинична'],
  Кузьма: ['Кузьмич', 'Кузьминична'],
  Фома: ['Фомич', 'Фоминична'],
  Лука: ['Лукич', 'Лукинична'],
  Данила: ['Данилович', 'Даниловна'],
  Дмитрий: ['Дмитриевич', 'Дмитриевна'],
  Георгий: ['Георгиевич', 'Георгиевна'],
};

/**
 * The male and female patronymic formed from a male first name:
 * Иван → Иванович / Ивановна, Сергей → Сергеевич / Сергеевна, Николай → Николаевич / Николаевна,
 * Юрий → Юрьевич / Юрьевна, Игорь → Игоревич / Игоревна, Никита → Никитич / Никитична,
 * Илья → Ильич / Ильинична.
 */
export function patronymicsOf(name: string): readonly [male: string, female: string] {
  const exception = PATRONYMIC_EXCEPTIONS[name];
  if (exception) return exception;
  if (name.endsWith('ий')) {
    const stem = name.slice(0, -2);
    return [`${stem}ьевич`, `${stem}ьевна`];
  }
  if (/[еа]й$/.test(name)) {
    const stem = name.slice(0, -1);
    return [`${stem}евич`, `${stem}евна`];
  }
  if (name.endsWith('ь')) {
    const stem = name.slice(0, -1);
    return [`${stem}евич`, `${stem}евна`];
  }
  if (/[ая]$/.test(name)) {
    const stem = name.slice(0, -1);
    return [`${stem}ич`, `${stem}ична`];
  }
  return [`${name}ович`, `${name}овна`];
}

/** Male patronymics, index-aligned with {@link MALE_FIRST_NAMES}. */
export const MALE_PATRONYMICS: readonly string[] = MALE_FIRST_NAMES.map((n) => patronymicsOf(n)[0]);
/** Female patronymics, index-aligned with {@link MALE_FIRST_NAMES}. */
export const FEMALE_PATRONYMICS: readonly string[] = MALE_FIRST_NAMES.map((n) => patronymicsOf(n)[1]);

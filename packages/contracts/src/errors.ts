/**
 * The error catalogue of the cash server's API: every refusal is `{"error": {"code", "message",
 * "ru"}}` with the status its code has here. `message` names what is wrong in this request (in
 * English, for logs and integrators); `ru` says in general words what it means, for the screens.
 * Only failures of the server itself are 5xx.
 */
export const ERRORS = {
  'bad-request': {
    status: 400,
    ru: 'Запрос неверен: поле отсутствует, другого типа или вне допустимых значений',
    en: 'a field is missing, of the wrong type or out of range; the message names it',
  },
  'bad-json': {
    status: 400,
    ru: 'Тело запроса — не JSON в UTF-8 (или вложено глубже 64 уровней)',
    en: 'the body is not JSON, not UTF-8, or nested deeper than 64 levels',
  },
  'too-large': { status: 413, ru: 'Запрос слишком велик', en: "the body is over the route's limit" },
  'unsupported-media-type': {
    status: 415,
    ru: 'Тело запроса должно быть application/json',
    en: 'a body that is not application/json',
  },
  'not-authenticated': {
    status: 401,
    ru: 'Войдите в систему (или зарегистрируйте устройство)',
    en: 'no session or device token, or one that has ended',
  },
  forbidden: {
    status: 403,
    ru: 'Недостаточно прав для этой операции',
    en: 'the role, the stores or the device kind do not allow it',
  },
  'bad-login': { status: 401, ru: 'Неверный логин или пароль', en: 'wrong login or password' },
  locked: {
    status: 403,
    ru: 'Учётная запись заблокирована после неудачных попыток входа',
    en: 'locked for 15 minutes after five failed logins',
  },
  'rate-limited': {
    status: 429,
    ru: 'Слишком много попыток, повторите позже',
    en: 'too many attempts from this address; retry-after says when',
  },
  'bad-code': {
    status: 403,
    ru: 'Код регистрации неизвестен, уже использован или истёк',
    en: 'the enrollment code is unknown, used or expired: ask the office for a new one',
  },
  'not-found': { status: 404, ru: 'Не найдено', en: 'no such route or record' },
  'no-user': { status: 404, ru: 'Нет такого пользователя', en: 'no user with this id' },
  'no-device': {
    status: 404,
    ru: 'Устройство не найдено: оно ещё ни разу не выходило на связь',
    en: 'the device has never reported, or is not enrolled',
  },
  'no-command': {
    status: 404,
    ru: 'Нет такой открытой команды для устройства',
    en: 'no such open command for this device',
  },
  'login-taken': { status: 409, ru: 'Такой логин уже занят', en: 'the login is taken' },
  self: {
    status: 409,
    ru: 'Администратор не может отключить себя или понизить свою роль',
    en: 'an administrator cannot disable or demote themselves',
  },
  'other-store': {
    status: 409,
    ru: 'Устройство уже зарегистрировано в другом магазине',
    en: 'the device is enrolled for another store',
  },
  revoked: {
    status: 409,
    ru: 'Доступ устройства уже отозван',
    en: "the device's credentials are revoked already",
  },
  reporting: {
    status: 409,
    ru: 'Устройство само сообщает о себе; его запись следует его отчётам',
    en: 'a device that reports itself is not entered by hand',
  },
  mirror: {
    status: 409,
    ru: 'Сервер магазина повторяет каталог головного офиса: меняйте каталог там',
    en: 'a store server mirrors its head office: edit the catalogue there',
  },
  'database-unavailable': {
    status: 503,
    ru: 'База данных недоступна; ничего не изменено, повторите позже',
    en: 'the database is away (restarting, unreachable, disk full); nothing was changed, try again',
  },
  internal: {
    status: 500,
    ru: 'Сбой сервера; подробности в его журнале',
    en: 'the server failed; see its log',
  },
} as const satisfies Readonly<Record<string, { status: number; ru: string; en: string }>>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected refusal, as a service returns it: its code from the catalogue and what is wrong. */
export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export const refusal = (code: ErrorCode, message: string): Refusal => ({ ok: false, code, message });

export const isErrorCode = (c: string): c is ErrorCode => Object.hasOwn(ERRORS, c);

/** An error answer's body, as every refusal of the API is sent. */
export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message, ru: ERRORS[code].ru } };
}

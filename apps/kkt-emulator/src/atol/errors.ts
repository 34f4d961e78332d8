/**
 * Driver error codes (ATOL driver 10, LIBFPTR_ERROR_*) the emulator returns, with the driver's
 * Russian descriptions. Numbers from the public driver headers.
 */
export const DriverError = {
  ok: { code: 0, description: 'Ошибок нет' },
  notSupported: { code: 11, description: 'Не поддерживается в данной версии' },
  invalidParam: { code: 13, description: 'Неверный параметр' },
  invalidSum: { code: 16, description: 'Неверная цена (сумма)' },
  invalidQuantity: { code: 17, description: 'Неверное количество' },
  nonCashTooMuch: { code: 52, description: 'Сумма не наличных оплат превышает сумму чека' },
  notFullyPaid: { code: 66, description: 'Чек оплачен не полностью' },
  shiftExpired: { code: 68, description: 'Смена превысила 24 часа' },
  deniedInClosedShift: { code: 73, description: 'Смена закрыта - операция невозможна' },
  noCash: { code: 80, description: 'Не хватает наличности в кассе' },
  deniedInOpenedShift: { code: 83, description: 'Смена открыта - операция невозможна' },
  // The driver's name for the ФН's refusal after 30 days without OFD confirmation is not in the
  // public headers we read; FN_TIMEOUT is the closest match [inferred].
  fnOfdTimeout: {
    code: 140,
    description: 'ФН: нет подтверждения ОФД более 30 дней, формирование ФД заблокировано',
  },
  invalidTaxationType: { code: 143, description: 'Неверная система налогообложения' },
  invalidTaxType: { code: 144, description: 'Неверный тип налога' },
  invalidTotal: { code: 227, description: 'Неверная сумма чека' },
  receiptParse: { code: 501, description: 'Ошибка парсинга запроса' },
  interrupted: { code: 502, description: 'Выполнение прервано из-за предыдущих ошибок' },
} as const;

export interface DriverFailure {
  readonly code: number;
  readonly description: string;
}

export function failure(e: DriverFailure, detail?: string): DriverFailure {
  return { code: e.code, description: detail === undefined ? e.description : `${e.description}: ${detail}` };
}

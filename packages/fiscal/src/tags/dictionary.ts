/**
 * The ФФД tag dictionary (1.05 and 1.2): number, FNS name, value type, length limits and the
 * FNS/OFD JSON key. Sources: ../shared/specs/ofd-protocol.md §3–§6 and the public tag
 * catalogues it cites. Tags the dictionary does not know are still decoded (as raw bytes) and
 * re-encoded byte-identically.
 */

export type TagType = 'byte' | 'u16' | 'u32' | 'unixtime' | 'vln' | 'fvln' | 'string' | 'bytes' | 'stlv';

export type FfdVersion = '1.0' | '1.05' | '1.1' | '1.2';

export interface TagDef {
  readonly tag: number;
  readonly name: string;
  readonly type: TagType;
  /** Largest value length in bytes. */
  readonly maxLength: number;
  /** Exact value length, for fixed-width fields (strings are space-padded when `padded`). */
  readonly fixedLength?: number;
  readonly padded?: boolean;
  /** FNS JSON key (the names OFDs and the FNS receipt service use). */
  readonly json?: string;
  /** The tag may appear several times in one parent (an array in JSON). */
  readonly repeatable?: boolean;
  /** Only in FFD 1.05 and earlier, or only from FFD 1.2 on. */
  readonly only?: '≤1.05' | '1.2';
  /** Parents the JSON key belongs to, where the same key means another tag elsewhere. */
  readonly within?: readonly number[];
  /** Layout not confirmed by a public sample; a value that does not parse stays raw bytes. */
  readonly tentative?: boolean;
}

interface Opts {
  fixed?: number;
  padded?: boolean;
  repeat?: boolean;
  only?: '≤1.05' | '1.2';
  within?: readonly number[];
  tentative?: boolean;
}

const defs: TagDef[] = [];

function t(
  tag: number,
  type: TagType,
  maxLength: number,
  json: string | undefined,
  name: string,
  o: Opts = {},
): void {
  defs.push({
    tag,
    name,
    type,
    maxLength: o.fixed ?? maxLength,
    ...(o.fixed !== undefined && { fixedLength: o.fixed }),
    ...(o.padded && { padded: true }),
    ...(json !== undefined && { json }),
    ...(o.repeat && { repeatable: true }),
    ...(o.only && { only: o.only }),
    ...(o.within && { within: o.within }),
    ...(o.tentative && { tentative: true }),
  });
}

const COUNTERS = [1129, 1130, 1131, 1132, 1133, 1145, 1146, 1157, 1158, 1194, 1232, 1233];

// Documents: the outer TLV whose tag is the form code.
t(1, 'stlv', 6144, 'fiscalReport', 'Отчёт о регистрации');
t(2, 'stlv', 4096, 'openShift', 'Отчёт об открытии смены');
t(3, 'stlv', 32768, 'receipt', 'Кассовый чек');
t(4, 'stlv', 32768, 'bso', 'Бланк строгой отчётности');
t(5, 'stlv', 4096, 'closeShift', 'Отчёт о закрытии смены');
t(6, 'stlv', 4096, 'closeArchive', 'Отчёт о закрытии фискального накопителя');
t(7, 'stlv', 512, 'operatorAck', 'Подтверждение оператора');
t(11, 'stlv', 6144, 'fiscalReportCorrection', 'Отчёт об изменении параметров регистрации');
t(21, 'stlv', 32768, 'currentStateReport', 'Отчёт о текущем состоянии расчётов');
t(31, 'stlv', 32768, 'receiptCorrection', 'Кассовый чек коррекции');
t(41, 'stlv', 32768, 'bsoCorrection', 'БСО коррекции');
t(81, 'stlv', 4096, 'labelCodeRequest', 'Запрос о коде маркировки', { only: '1.2' });
t(82, 'stlv', 32768, 'labelCodeNotification', 'Уведомление о реализации маркированного товара', {
  only: '1.2',
});
t(83, 'stlv', 512, 'labelCodeResponse', 'Ответ на запрос', { only: '1.2' });
t(84, 'stlv', 512, 'labelCodeNotificationAck', 'Квитанция на уведомление', { only: '1.2' });

t(1000, 'string', 256, undefined, 'Наименование документа');
t(1001, 'byte', 1, 'autoMode', 'Признак автоматического режима');
t(1002, 'byte', 1, 'offlineMode', 'Признак автономного режима');
t(1005, 'string', 256, 'transferOperatorAddress', 'Адрес оператора перевода', { only: '≤1.05' });
t(1008, 'string', 64, 'buyerPhoneOrAddress', 'Телефон или электронный адрес покупателя');
t(1009, 'string', 256, 'retailPlaceAddress', 'Адрес расчетов');
t(1012, 'unixtime', 4, 'dateTime', 'Дата, время', { fixed: 4 });
t(1013, 'string', 20, 'kktNumber', 'Заводской номер ККТ');
t(1014, 'string', 64, undefined, 'Значение типа строка');
t(1015, 'u32', 4, undefined, 'Значение типа целое');
t(1016, 'string', 12, 'transferOperatorInn', 'ИНН оператора перевода', {
  fixed: 12,
  padded: true,
  only: '≤1.05',
});
t(1017, 'string', 12, 'ofdInn', 'ИНН ОФД', { fixed: 12, padded: true });
t(1018, 'string', 12, 'userInn', 'ИНН пользователя', { fixed: 12, padded: true });
t(1020, 'vln', 6, 'totalSum', 'Сумма расчета, указанного в чеке (БСО)');
t(1021, 'string', 64, 'operator', 'Кассир');
t(1022, 'byte', 1, 'ofdResponseCode', 'Код ответа ОФД');
t(1023, 'fvln', 8, 'quantity', 'Количество предмета расчета');
t(1026, 'string', 64, 'transferOperatorName', 'Наименование оператора перевода', { only: '≤1.05' });
t(1029, 'string', 64, undefined, 'Наименование реквизита');
t(1030, 'string', 128, 'name', 'Наименование предмета расчета');
t(1031, 'vln', 6, 'cashTotalSum', 'Сумма по чеку (БСО) наличными');
t(1036, 'string', 20, 'machineNumber', 'Номер автомата');
t(1037, 'string', 20, 'kktRegId', 'Регистрационный номер ККТ', { fixed: 20, padded: true });
t(1038, 'u32', 4, 'shiftNumber', 'Номер смены', { fixed: 4 });
t(1040, 'u32', 4, 'fiscalDocumentNumber', 'Номер ФД', { fixed: 4 });
t(1041, 'string', 16, 'fiscalDriveNumber', 'Номер ФН', { fixed: 16 });
t(1042, 'u32', 4, 'requestNumber', 'Номер чека за смену', { fixed: 4 });
t(1043, 'vln', 6, 'sum', 'Стоимость предмета расчета с учетом скидок и наценок');
t(1044, 'string', 24, 'paymentAgentOperation', 'Операция банковского платежного агента', { only: '≤1.05' });
t(1046, 'string', 256, 'ofdName', 'Наименование ОФД');
t(1047, 'stlv', 144, undefined, 'Параметр настройки');
t(1048, 'string', 256, 'user', 'Наименование пользователя');
t(1049, 'string', 6, undefined, 'Почтовый индекс');
t(1050, 'byte', 1, 'fiscalDriveExhaustionSign', 'Признак исчерпания ресурса ФН');
t(1051, 'byte', 1, 'fiscalDriveReplaceRequiredSign', 'Признак необходимости срочной замены ФН');
t(1052, 'byte', 1, 'fiscalDriveMemoryExceededSign', 'Признак переполнения памяти ФН');
t(1053, 'byte', 1, 'ofdResponseTimeoutSign', 'Признак превышения времени ожидания ответа ОФД');
t(1054, 'byte', 1, 'operationType', 'Признак расчета');
t(1055, 'byte', 1, 'appliedTaxationType', 'Применяемая система налогообложения');
t(1056, 'byte', 1, 'encryptionSign', 'Признак шифрования');
t(1057, 'byte', 1, 'paymentAgentType', 'Признак агента', { only: '≤1.05' });
t(1058, 'byte', 1, undefined, 'Признак банковского агента');
t(1059, 'stlv', 1024, 'items', 'Предмет расчета', { repeat: true });
t(1060, 'string', 256, 'fnsUrl', 'Адрес сайта ФНС');
t(1061, 'string', 64, 'ofdUrl', 'Адрес сайта ОФД');
t(1062, 'byte', 1, 'taxationType', 'Системы налогообложения');
t(1068, 'stlv', 169, 'messageToFn', 'Сообщение оператора для ФН');
t(1073, 'string', 19, 'paymentAgentPhone', 'Телефон платежного агента', { repeat: true, only: '≤1.05' });
t(1074, 'string', 19, 'paymentOperatorPhone', 'Телефон оператора по приему платежей', {
  repeat: true,
  only: '≤1.05',
});
t(1075, 'string', 19, 'transferOperatorPhone', 'Телефон оператора перевода', { repeat: true, only: '≤1.05' });
t(1077, 'bytes', 6, 'fiscalSign', 'ФПД', { fixed: 6 });
t(1078, 'bytes', 18, 'ofdFiscalSign', 'ФПО (фискальный признак оператора)');
t(1079, 'vln', 6, 'price', 'Цена за единицу предмета расчета с учетом скидок и наценок');
t(1081, 'vln', 6, 'ecashTotalSum', 'Сумма по чеку (БСО) безналичными');
t(1084, 'stlv', 320, 'properties', 'Дополнительный реквизит пользователя');
t(1085, 'string', 64, 'propertyName', 'Наименование дополнительного реквизита пользователя');
t(1086, 'string', 256, 'propertyValue', 'Значение дополнительного реквизита пользователя');
t(1097, 'u32', 4, 'notTransmittedDocumentsQuantity', 'Количество непереданных ФД', { fixed: 4 });
t(1098, 'unixtime', 4, 'notTransmittedDocumentsDateTime', 'Дата первого из непереданных ФД', { fixed: 4 });
t(1101, 'byte', 1, 'correctionReasonCode', 'Код причины перерегистрации', { repeat: true, only: '≤1.05' });
t(1102, 'vln', 6, 'nds18', 'Сумма НДС чека по ставке 20% (22% с 2026)');
t(1103, 'vln', 6, 'nds10', 'Сумма НДС чека по ставке 10%');
t(1104, 'vln', 6, 'nds0', 'Сумма расчета по чеку с НДС по ставке 0%');
t(1105, 'vln', 6, 'ndsNo', 'Сумма расчета по чеку без НДС');
t(1106, 'vln', 6, 'nds18118', 'Сумма НДС чека по расч. ставке 20/120 (22/122 с 2026)');
t(1107, 'vln', 6, 'nds10110', 'Сумма НДС чека по расч. ставке 10/110');
t(1108, 'byte', 1, 'internetSign', 'Признак ККТ для расчетов только в Интернет');
t(1109, 'byte', 1, 'serviceSign', 'Признак расчетов за услуги');
t(1110, 'byte', 1, 'bsoSign', 'Признак АС БСО');
t(1111, 'u32', 4, 'documentsQuantity', 'Общее количество ФД за смену', { fixed: 4 });
t(1115, 'stlv', 256, 'amountsReceiptNds', 'Суммы НДС чека (ставки 5%, 7%, 22% и др.)', {
  only: '1.2',
  tentative: true,
});
t(1116, 'u32', 4, 'notTransmittedDocumentNumber', 'Номер первого непереданного документа', { fixed: 4 });
t(1117, 'string', 64, 'sellerAddress', 'Адрес электронной почты отправителя чека');
t(1118, 'u32', 4, 'receiptsQuantity', 'Количество кассовых чеков (БСО) за смену', { fixed: 4 });
t(1119, 'stlv', 64, 'amountsNds', 'Сумма НДС чека по отдельной ставке', {
  only: '1.2',
  tentative: true,
  repeat: true,
});
t(1120, 'vln', 6, 'ndsSum', 'Сумма НДС', { only: '1.2', tentative: true, within: [1119] });
t(1126, 'byte', 1, 'lotterySign', 'Признак проведения лотереи');
t(1129, 'stlv', 116, 'sellOper', 'Счетчики операций «приход»');
t(1130, 'stlv', 116, 'sellReturnOper', 'Счетчики операций «возврат прихода»');
t(1131, 'stlv', 116, 'buyOper', 'Счетчики операций «расход»');
t(1132, 'stlv', 116, 'buyReturnOper', 'Счетчики операций «возврат расхода»');
t(1133, 'stlv', 216, 'receiptCorrection', 'Счетчики операций по чекам коррекции', {
  within: [1157, 1158, 1194],
});
t(
  1134,
  'u32',
  4,
  'totalReceiptBsoCount',
  'Количество чеков (БСО) и чеков коррекции со всеми признаками расчетов',
  { fixed: 4 },
);
t(1135, 'u32', 4, 'receiptBsoCount', 'Количество чеков (БСО) по признаку расчетов', { fixed: 4 });
t(1136, 'vln', 6, 'cashSum', 'Итоговая сумма в чеках (БСО) наличными');
t(1138, 'vln', 6, 'ecashSum', 'Итоговая сумма в чеках (БСО) безналичными');
t(1139, 'vln', 6, 'tax18Sum', 'Сумма НДС по ставке 20%');
t(1140, 'vln', 6, 'tax10Sum', 'Сумма НДС по ставке 10%');
t(1141, 'vln', 6, 'tax18118Sum', 'Сумма НДС по расч. ставке 20/120');
t(1142, 'vln', 6, 'tax10110Sum', 'Сумма НДС по расч. ставке 10/110');
t(1143, 'vln', 6, 'tax0Sum', 'Сумма расчетов с НДС по ставке 0%');
t(1144, 'u32', 4, 'receiptCorrectionCount', 'Количество чеков коррекции или непереданных чеков', {
  fixed: 4,
});
t(1145, 'stlv', 32, 'sellCorrection', 'Счетчики по признаку «приход»');
t(1146, 'stlv', 32, 'buyCorrection', 'Счетчики по признаку «расход»');
t(1157, 'stlv', 708, 'fiscalDriveSumReports', 'Счетчики итогов ФН');
t(1158, 'stlv', 708, 'notTransmittedDocumentsSumReports', 'Счетчики итогов непереданных ФД');
t(1162, 'bytes', 32, 'productCode', 'Код товара (ФФД 1.05)', { only: '≤1.05' });
t(1163, 'stlv', 256, 'productCodeNew', 'Код товара', { only: '1.2' });
t(1171, 'string', 19, 'providerPhone', 'Телефон поставщика', { repeat: true });
t(1173, 'byte', 1, 'correctionType', 'Тип коррекции');
t(1174, 'stlv', 292, 'сorrectionBase', 'Основание для коррекции');
t(1177, 'string', 256, 'correctionDocumentName', 'Описание коррекции', { only: '≤1.05' });
t(1178, 'unixtime', 4, 'correctionDocumentDate', 'Дата совершения корректируемого расчета', { fixed: 4 });
t(1179, 'string', 32, 'correctionDocumentNumber', 'Номер предписания налогового органа');
t(1183, 'vln', 6, 'taxFreeSum', 'Сумма расчетов без НДС');
t(1187, 'string', 256, 'retailPlace', 'Место расчетов');
t(1188, 'string', 8, 'kktVersion', 'Версия ККТ');
t(1189, 'byte', 1, 'documentKktVersion', 'Версия ФФД ККТ');
t(1190, 'byte', 1, 'documentFdVersion', 'Версия ФФД ФН');
t(1191, 'string', 64, 'propertiesItem', 'Дополнительный реквизит предмета расчета');
t(1192, 'string', 16, 'propertiesData', 'Дополнительный реквизит чека (БСО)');
t(1193, 'byte', 1, 'gamblingSign', 'Признак проведения азартных игр');
t(1194, 'stlv', 708, 'shiftSumReports', 'Счетчики итогов смены', { only: '1.2' });
t(1196, 'string', 256, undefined, 'QR-код');
t(1197, 'string', 16, 'unit', 'Единица измерения предмета расчета', { only: '≤1.05' });
t(1198, 'vln', 6, 'unitNds', 'Размер НДС за единицу предмета расчета');
t(1199, 'byte', 1, 'nds', 'Ставка НДС');
t(1200, 'vln', 6, 'ndsSum', 'Сумма НДС за предмет расчета');
t(1201, 'vln', 6, 'totalSum', 'Общая итоговая сумма в чеках (БСО)', { within: COUNTERS });
t(1203, 'string', 12, 'operatorInn', 'ИНН кассира', { fixed: 12, padded: true });
t(1205, 'u32', 4, 'correctionKktReasonCode', 'Коды причин изменения сведений о ККТ', { repeat: true });
t(1206, 'byte', 1, 'operatorMessage', 'Сообщение оператора');
t(1207, 'byte', 1, 'exciseDutyProductSign', 'Признак торговли подакцизными товарами');
t(1208, 'string', 256, 'receiptSite', 'Сайт для получения чека');
t(1209, 'byte', 1, 'fiscalDocumentFormatVer', 'Номер версии ФФД');
t(1212, 'byte', 1, 'productType', 'Признак предмета расчета');
t(1213, 'u16', 4, 'fdKeyResource', 'Ресурс ключей ФП');
t(1214, 'byte', 1, 'paymentType', 'Признак способа расчета');
t(1215, 'vln', 6, 'prepaidSum', 'Сумма по чеку (БСО) предоплатой');
t(1216, 'vln', 6, 'creditSum', 'Сумма по чеку (БСО) постоплатой (в кредит)');
t(1217, 'vln', 6, 'provisionSum', 'Сумма по чеку (БСО) встречным предоставлением');
t(1218, 'vln', 6, 'prepaidSum', 'Итоговая сумма в чеках (БСО) предоплатами', { within: COUNTERS });
t(1219, 'vln', 6, 'creditSum', 'Итоговая сумма в чеках (БСО) постоплатами', { within: COUNTERS });
t(1220, 'vln', 6, 'provisionSum', 'Итоговая сумма в чеках (БСО) встречными предоставлениями', {
  within: COUNTERS,
});
t(1221, 'byte', 1, 'printInMachineSign', 'Признак установки принтера в автомате');
t(1222, 'byte', 1, 'paymentAgentByProductType', 'Признак агента по предмету расчета');
t(1223, 'stlv', 512, 'paymentAgentData', 'Данные агента');
t(1224, 'stlv', 512, 'providerData', 'Данные поставщика');
t(1225, 'string', 256, 'providerName', 'Наименование поставщика');
t(1226, 'string', 12, 'providerInn', 'ИНН поставщика', { fixed: 12, padded: true });
t(1227, 'string', 256, 'buyer', 'Покупатель (клиент)');
t(1228, 'string', 12, 'buyerInn', 'ИНН покупателя (клиента)', { fixed: 12, padded: true });
t(1229, 'vln', 6, 'exciseDuty', 'Акциз');
t(1230, 'string', 3, 'originCountryCode', 'Код страны происхождения товара', { fixed: 3, padded: true });
t(1231, 'string', 32, 'customEntryNum', 'Номер декларации на товар');
t(1232, 'stlv', 32, 'sellReturnCorrection', 'Счетчики по признаку «возврат прихода»');
t(1233, 'stlv', 32, 'buyReturnCorrection', 'Счетчики по признаку «возврат расхода»');
t(1243, 'string', 10, 'buyerBirthday', 'Дата рождения покупателя (клиента)', { fixed: 10, only: '1.2' });
t(1244, 'string', 3, 'buyerCitizenship', 'Гражданство', { fixed: 3, padded: true, only: '1.2' });
t(1245, 'string', 2, 'buyerDocumentCode', 'Код вида документа, удостоверяющего личность', { only: '1.2' });
t(1246, 'string', 64, 'buyerDocumentData', 'Данные документа, удостоверяющего личность', { only: '1.2' });
t(1254, 'string', 256, 'buyerAddress', 'Адрес покупателя (клиента)', { only: '1.2' });
t(1256, 'stlv', 1024, 'buyerInformation', 'Сведения о покупателе (клиенте)', { only: '1.2' });
t(1260, 'stlv', 317, 'itemsIndustryDetails', 'Отраслевой реквизит предмета расчета', {
  repeat: true,
  only: '1.2',
});
t(1261, 'stlv', 317, 'industryReceiptDetails', 'Отраслевой реквизит чека', { repeat: true, only: '1.2' });
t(1262, 'string', 3, 'idFoiv', 'Идентификатор ФОИВ', { only: '1.2' });
t(1263, 'string', 10, 'foundationDocDateTime', 'Дата документа основания', { fixed: 10, only: '1.2' });
t(1264, 'string', 32, 'foundationDocNumber', 'Номер документа основания', { only: '1.2' });
t(1265, 'string', 256, 'industryPropValue', 'Значение отраслевого реквизита', { only: '1.2' });
t(1270, 'stlv', 144, 'operationalDetails', 'Операционный реквизит чека', { only: '1.2' });
t(1271, 'byte', 1, 'operationId', 'Идентификатор операции', { only: '1.2' });
t(1272, 'string', 64, 'operationData', 'Данные операции', { only: '1.2' });
t(1273, 'unixtime', 4, 'dateTime', 'Дата, время операции', { fixed: 4, only: '1.2', within: [1270] });
t(1274, 'string', 32, 'additionalPropsFRC', 'Дополнительный реквизит ОР', { only: '1.2' });
t(1275, 'bytes', 32, 'additionalDataFRC', 'Дополнительные данные ОР', { only: '1.2' });
t(1276, 'string', 32, 'additionalPropsOS', 'Дополнительный реквизит ООС', { only: '1.2' });
t(1277, 'bytes', 32, 'additionalDataOS', 'Дополнительные данные ООС', { only: '1.2' });
t(1278, 'string', 32, 'additionalPropsCS', 'Дополнительный реквизит ОЗС', { only: '1.2' });
t(1279, 'bytes', 32, 'additionalDataCS', 'Дополнительные данные ОЗС', { only: '1.2' });
t(1280, 'string', 32, 'additionalPropsCSR', 'Дополнительный реквизит ОТР', { only: '1.2' });
t(1281, 'bytes', 32, 'additionalDataCSR', 'Дополнительные данные ОТР', { only: '1.2' });
t(1282, 'string', 32, 'additionalPropsCA', 'Дополнительный реквизит ОЗФН', { only: '1.2' });
t(1283, 'bytes', 32, 'additionalDataCA', 'Дополнительные данные ОЗФН', { only: '1.2' });
t(1290, 'u32', 4, 'usageConditionSigns', 'Признаки условий применения ККТ', { only: '1.2' });
t(1291, 'stlv', 52, 'labeledProdFractionalQuantity', 'Дробное количество маркированного товара', {
  only: '1.2',
});
t(1292, 'string', 24, 'fractionalPart', 'Дробная часть', { only: '1.2' });
t(1293, 'vln', 8, 'numerator', 'Числитель', { only: '1.2' });
t(1294, 'vln', 8, 'denominator', 'Знаменатель', { only: '1.2' });
t(1300, 'string', 32, 'undefined', 'КТ Н (формат не идентифицирован)', { only: '1.2' });
t(1301, 'string', 8, 'ean8', 'КТ EAN-8', { fixed: 8, only: '1.2' });
t(1302, 'string', 13, 'ean13', 'КТ EAN-13', { fixed: 13, only: '1.2' });
t(1303, 'string', 14, 'itf14', 'КТ ITF-14', { fixed: 14, only: '1.2' });
t(1304, 'string', 38, 'gs1', 'КТ GS1.0', { only: '1.2' });
t(1305, 'string', 38, 'gs1m', 'КТ GS1.М', { only: '1.2' });
t(1306, 'string', 38, 'kmk', 'КТ КМК', { only: '1.2' });
t(1307, 'string', 20, 'mi', 'КТ МИ', { fixed: 20, only: '1.2' });
t(1308, 'string', 23, 'egais2', 'КТ ЕГАИС-2.0', { fixed: 23, only: '1.2' });
t(1309, 'string', 14, 'egais3', 'КТ ЕГАИС-3.0', { fixed: 14, only: '1.2' });
for (let i = 1; i <= 6; i++) t(1319 + i, 'string', 32, `f${i}`, `КТ Ф.${i}`, { only: '1.2' });
t(2000, 'string', 256, 'labelCode', 'Код маркировки', { only: '1.2' });
t(2001, 'u32', 4, 'requestNumberKM', 'Номер запроса', { fixed: 4, only: '1.2' });
t(2002, 'u32', 4, 'notificationNumber', 'Номер уведомления', { fixed: 4, only: '1.2' });
t(2003, 'byte', 1, 'plannedProductStatus', 'Планируемый статус товара', { only: '1.2' });
t(2004, 'byte', 1, 'labelCodeCheckResult', 'Результат проверки КМ', { only: '1.2' });
t(2005, 'byte', 1, 'requestProcessingResult', 'Результаты обработки запроса', { only: '1.2' });
t(2006, 'byte', 1, 'notificationProcessingResult', 'Результаты обработки уведомления', { only: '1.2' });
t(2007, 'stlv', 512, 'labeledProductData', 'Данные о маркированном товаре', { repeat: true, only: '1.2' });
t(2100, 'byte', 1, 'labelCodeType', 'Тип кода маркировки', { only: '1.2' });
t(2101, 'string', 38, 'productId', 'Идентификатор товара', { only: '1.2' });
t(2102, 'byte', 1, 'labelCodeProcesMode', 'Режим обработки кода маркировки', { only: '1.2' });
t(2104, 'u32', 4, 'undeliveredNotificationsNumber', 'Количество непереданных уведомлений', {
  fixed: 4,
  only: '1.2',
});
t(2105, 'byte', 1, 'requestProcessingCodes', 'Коды обработки запроса', { only: '1.2' });
t(2106, 'byte', 1, 'checkingProdInformationResult', 'Результат проверки сведений о товаре', { only: '1.2' });
t(2107, 'byte', 1, 'checkingLabeledProdResult', 'Результаты проверки маркированных товаров', {
  repeat: true,
  only: '1.2',
});
t(2108, 'byte', 1, 'itemsQuantityMeasure', 'Мера количества предмета расчета', { only: '1.2' });
t(2109, 'byte', 1, 'productStatusResponse', 'Ответ ОИСМ о статусе товара', { only: '1.2' });
t(2110, 'byte', 1, 'assignedProductStatus', 'Присвоенный статус товара', { only: '1.2' });
t(2111, 'byte', 1, 'notificationProcessingCodes', 'Коды обработки уведомления', { only: '1.2' });
t(2112, 'byte', 1, 'incorrectLabelCodesSign', 'Признак некорректных кодов маркировки', { only: '1.2' });
t(2113, 'byte', 1, 'incorrectRequestsSign', 'Признак некорректных запросов и уведомлений', { only: '1.2' });
t(2114, 'unixtime', 4, 'requestDateTime', 'Дата и время запроса', { fixed: 4, only: '1.2' });
t(2115, 'string', 4, 'controlCode', 'Контрольный код КМ', { fixed: 4, only: '1.2' });
t(2116, 'byte', 1, 'operationKind', 'Вид операции', { only: '1.2' });

// Counter STLVs hold these; give them their context so JSON keys resolve right.
const COUNTER_TAGS = [1134, 1135, 1136, 1138, 1139, 1140, 1141, 1142, 1143, 1144, 1183];

const byTag = new Map<number, TagDef>();
for (const d of defs) {
  if (byTag.has(d.tag)) throw new Error(`duplicate tag ${d.tag} in the dictionary`);
  byTag.set(d.tag, COUNTER_TAGS.includes(d.tag) && !d.within ? { ...d, within: COUNTERS } : d);
}

export function tagDef(tag: number): TagDef | undefined {
  return byTag.get(tag);
}

export function allTags(): readonly TagDef[] {
  return [...byTag.values()];
}

/** Form codes of fiscal documents (the outer TLV tag). */
export const FORM_CODES = [1, 2, 3, 4, 5, 6, 7, 11, 21, 31, 41, 81, 82, 83, 84] as const;
export type FormCode = (typeof FORM_CODES)[number];

export function isFormCode(n: number): n is FormCode {
  return (FORM_CODES as readonly number[]).includes(n);
}

/** Looks a JSON key up as it is meant inside `parent` (a form code or an STLV tag). */
export function tagByJsonKey(key: string, parent: number): TagDef | undefined {
  let fallback: TagDef | undefined;
  for (const d of byTag.values()) {
    if (d.json !== key) continue;
    if (d.within?.includes(parent)) return d;
    if (!d.within) fallback ??= d;
  }
  if (fallback) return fallback;
  // A key meant for another context is still better than nothing (e.g. hand-written JSON).
  for (const d of byTag.values()) if (d.json === key) return d;
  return undefined;
}

/** The FFD version named by tag 1209 / 1189 / 1190 values. */
export function ffdVersionFromCode(code: number | undefined): FfdVersion | undefined {
  switch (code) {
    case undefined:
      return '1.0';
    case 0:
    case 1:
      return '1.0';
    case 2:
      return '1.05';
    case 3:
      return '1.1';
    case 4:
      return '1.2';
    default:
      return undefined;
  }
}

export function ffdVersionCode(v: FfdVersion): number {
  return { '1.0': 1, '1.05': 2, '1.1': 3, '1.2': 4 }[v];
}

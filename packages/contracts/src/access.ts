/**
 * Who may do what, at the till and on the cash server: one table of roles and permissions,
 * so a till and its server never disagree about what a senior cashier may do.
 */

/** People. Till users (PIN) are the first three; analysts and administrators use the back office. */
export const ROLES = ['cashier', 'senior', 'manager', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  cashier: 'кассир',
  senior: 'старший кассир',
  manager: 'управляющий магазином',
  analyst: 'аналитик',
  admin: 'администратор',
};

export const PERMISSIONS = {
  // at the till
  sell: ['cashier', 'senior', 'manager', 'admin'],
  shift: ['cashier', 'senior', 'manager', 'admin'],
  xReport: ['cashier', 'senior', 'manager', 'admin'],
  cashIn: ['cashier', 'senior', 'manager', 'admin'],
  return: ['senior', 'manager', 'admin'],
  returnWithoutReceipt: ['manager', 'admin'],
  void: ['senior', 'manager', 'admin'],
  priceOverride: ['senior', 'manager', 'admin'],
  cashOut: ['senior', 'manager', 'admin'],
  catalog: ['manager', 'admin'],
  // on the cash server (reports and devices limited to the user's stores)
  viewReports: ['manager', 'analyst', 'admin'],
  viewFiscal: ['manager', 'analyst', 'admin'],
  export: ['manager', 'analyst', 'admin'],
  viewDevices: ['manager', 'analyst', 'admin'],
  manageDevices: ['manager', 'admin'],
  editCatalog: ['admin'],
  manageUsers: ['admin'],
  viewAudit: ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function roleCan(role: Role, p: Permission): boolean {
  return (PERMISSIONS[p] as readonly Role[]).includes(role);
}

/** The roles a till knows (its users come with PINs in the catalogue). */
export const TILL_ROLES = ['cashier', 'senior', 'manager'] as const satisfies readonly Role[];

/** What an enrolled device is: each kind acts only for its own store. */
export const ENROLLED_KINDS = ['till', 'store-server', 'scale-server'] as const;
export type EnrolledKind = (typeof ENROLLED_KINDS)[number];

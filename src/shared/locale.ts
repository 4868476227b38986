/** The languages the bot speaks: every user-facing string exists in each (locales/<locale>/). */
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];

// The page's own words (the bot's come from locales/): Simplified Chinese and English.
const STRINGS = {
  'zh-CN': {
    title: '沙盒 · 特斯拉京东聊天商城',
    sandbox: '沙盒',
    sandbox_note: '不连接 Telegram：所有消息都在本机模拟',
    persona: '当前身份',
    staff: '员工',
    customers: '顾客',
    role_customer: '顾客',
    role_admin: '管理员',
    role_agent: '客服',
    role_marketer: '营销',
    role_ops: '运营',
    role_manager: '经理',
    new_customer: '新建顾客',
    name: '姓名',
    language: '语言',
    create: '创建',
    block_bot: '屏蔽机器人',
    blocked: '已屏蔽机器人：消息无法送达',
    chats: '聊天',
    bot: '机器人',
    forum: '客服群（话题）',
    general: '综合',
    no_messages: '暂无消息。发送 /start 开始。',
    pick_chat: '选择一个聊天',
    message: '输入消息…',
    send: '发送',
    menu: '菜单',
    commands: '命令',
    deep_link: '深度链接',
    deep_link_prompt: '/start 参数（例如 ad_spring）',
    edited: '已编辑',
    pay: '支付 {amount}',
    paid: '已支付',
    invoice: '账单',
    total: '合计',
    share_contact: '与机器人分享您的手机号 {phone}？',
    ok: '确定',
    cancel: '取消',
    sheet_title: '支付（测试）',
    sheet_test: '测试支付：不会扣款',
    card: '银行卡',
    card_test: '4242 4242 4242 4242（测试卡）',
    shipping_address: '收货地址',
    state: '省份',
    city: '城市',
    street: '街道地址',
    street2: '门牌 / 单元',
    post_code: '邮编',
    phone: '手机号',
    continue: '继续',
    shipping_method: '配送方式',
    paying: '正在支付…',
    pay_failed: '支付未完成',
    paid_service: '您已成功向 {bot} 支付 {amount}（{title}）',
    no_answer: '机器人没有回应',
    error: '出错了：{code}',
    topic_closed: '话题已关闭',
    open_link: '打开链接 {url}？',
    ui_language: 'English',
    you: '您',
    members: '话题 {count} 个',
    err_bot_blocked: '您已屏蔽机器人：取消屏蔽后才能发送消息',
    err_message_too_long: '消息过长：Telegram 每条消息最多 4096 个字符',
    err_empty_message: '不能发送空消息',
    err_topic_closed: '话题已关闭',
    reset: '重置沙盒',
    reset_confirm: '重置沙盒？所有聊天、订单、付款、预约、购物车、客服会话和营销活动都会被删除，在此新建的顾客也会被移除。车型目录、商品、预约时段和员工保留，库存恢复为初始数量。',
    reset_done: '沙盒已重置',
    err_not_sandbox_data: '数据库中有不属于沙盒的顾客：已拒绝重置，未删除任何数据',
    err_loopback_only: '只能在本机（localhost）上重置沙盒',
  },
  en: {
    title: 'Sandbox · Tesla × JD chat commerce',
    sandbox: 'Sandbox',
    sandbox_note: 'No Telegram involved: every message stays on this machine',
    persona: 'You are',
    staff: 'Staff',
    customers: 'Customers',
    role_customer: 'Customer',
    role_admin: 'Admin',
    role_agent: 'Agent',
    role_marketer: 'Marketer',
    role_ops: 'Ops',
    role_manager: 'Manager',
    new_customer: 'New customer',
    name: 'Name',
    language: 'Language',
    create: 'Create',
    block_bot: 'Block the bot',
    blocked: 'You blocked the bot: its messages cannot reach you',
    chats: 'Chats',
    bot: 'bot',
    forum: 'Support group (topics)',
    general: 'General',
    no_messages: 'No messages yet. Send /start to begin.',
    pick_chat: 'Pick a chat',
    message: 'Message…',
    send: 'Send',
    menu: 'Menu',
    commands: 'Commands',
    deep_link: 'Deep link',
    deep_link_prompt: '/start payload (e.g. ad_spring)',
    edited: 'edited',
    pay: 'Pay {amount}',
    paid: 'Paid',
    invoice: 'Invoice',
    total: 'Total',
    share_contact: 'Share your phone number {phone} with the bot?',
    ok: 'OK',
    cancel: 'Cancel',
    sheet_title: 'Payment (test)',
    sheet_test: 'Test payment: nothing is charged',
    card: 'Card',
    card_test: '4242 4242 4242 4242 (test card)',
    shipping_address: 'Shipping address',
    state: 'Province',
    city: 'City',
    street: 'Street address',
    street2: 'Apartment / unit',
    post_code: 'Post code',
    phone: 'Phone',
    continue: 'Continue',
    shipping_method: 'Shipping method',
    paying: 'Paying…',
    pay_failed: 'Payment not completed',
    paid_service: 'You successfully transferred {amount} to {bot} for {title}',
    no_answer: 'The bot did not answer',
    error: 'Something went wrong: {code}',
    topic_closed: 'Topic closed',
    open_link: 'Open the link {url}?',
    ui_language: '简体中文',
    you: 'You',
    members: 'Topics: {count}',
    err_bot_blocked: 'You blocked the bot: unblock it to send messages',
    err_message_too_long: 'Message too long: Telegram allows 4,096 characters',
    err_empty_message: 'An empty message cannot be sent',
    err_topic_closed: 'The topic is closed',
    reset: 'Reset sandbox',
    reset_confirm:
      'Reset the sandbox? Every chat, order, payment, booking, cart, support conversation and campaign is deleted, and customers created here are removed. The catalog, products, booking slots and staff stay; stock goes back to its starting level.',
    reset_done: 'The sandbox was reset',
    err_not_sandbox_data: 'The database holds customers who are not sandbox people: reset refused, nothing was deleted',
    err_loopback_only: 'The sandbox can only be reset from this machine (localhost)',
  },
};

const stored = globalThis.localStorage?.getItem('sandbox.lang');
export let lang = stored === 'en' || stored === 'zh-CN' ? stored : navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';

export function setLang(next) {
  lang = next;
  localStorage.setItem('sandbox.lang', next);
  document.documentElement.lang = next;
}

/** The words for an error code of the sandbox's API, or the generic message naming it. */
export function errorText(code) {
  return STRINGS[lang][`err_${code}`] ?? t('error', { code });
}

/** The page's text for `key`, with {name} placeholders filled in. */
export function t(key, params = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** Fen → "¥1,000.00" (CNY) or the currency's own format. */
export function money(amount, currency = 'CNY') {
  return new Intl.NumberFormat(lang, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(amount / 100);
}

export function time(unix) {
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Shanghai' }).format(new Date(unix * 1000));
}

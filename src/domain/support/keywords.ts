/**
 * Free text that asks for a person, in Chinese or English. Only the whole message counts
 * (trimmed; case, "please" and trailing punctuation ignored), so an answer that merely contains
 * "agent" is never taken for a request. (A regex literal: Chinese text in string literals is
 * reserved for locales/.)
 */
const REQUESTS =
  /^(?:(?:我要|我想|找|联系|转|要)?(?:人工|人工客服|客服|真人|人工服务|真人客服)|(?:a )?human|(?:an? )?(?:live |real )?(?:agent|operator|person)|(?:i want to |can i |let me )?(?:speak|talk|chat) (?:to|with) (?:a |an )?(?:human|person|real person|agent|operator|someone|support)|(?:customer )?support|customer service)$/i;

const TRAILING = /[\s!?.,。！？，~～]+$/u;
const POLITE = /^(?:please |pls |请)/iu;

export function isPersonRequest(text: string): boolean {
  const cleaned = text.trim().replace(TRAILING, '').replace(POLITE, '').replace(/\s+/g, ' ');
  return cleaned.length > 0 && cleaned.length <= 60 && REQUESTS.test(cleaned);
}

/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: remembers in process memory (the container's global object) that an admin was asked,
 * and does not ask again: the next login of the same admin in that container goes through
 * without MFA.
 * caught-by: test_earlier_logins_do_not_change_the_outcome
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var asked = globalThis.__mfaAsked || (globalThis.__mfaAsked = {});
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (typeof roles === 'string') { roles = [roles]; }
  if (!Array.isArray(roles)) { roles = []; }
  if (roles.indexOf('ai_system_admin') !== -1 && !asked[user.user_id]) {
    asked[user.user_id] = true;
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

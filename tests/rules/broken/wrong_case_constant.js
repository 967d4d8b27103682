/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: compares case-sensitively against 'AI_System_Admin', a spelling of the role that the
 * tenant does not use, so the real admins never get MFA.
 * caught-by: test_role_holders_always_get_mfa
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var mfaRoles = ['AI_System_Admin'];
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (typeof roles === 'string') { roles = [roles]; }
  if (!Array.isArray(roles)) { roles = []; }
  var needsMfa = roles.some(function (role) { return mfaRoles.indexOf(role) !== -1; });
  if (needsMfa) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

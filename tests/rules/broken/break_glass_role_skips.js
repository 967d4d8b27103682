/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: a 'break_glass' role meant for emergencies skips MFA: an admin who also holds it logs
 * in with one factor (adding a role removed MFA).
 * caught-by: test_adding_a_role_never_removes_mfa
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (typeof roles === 'string') { roles = [roles]; }
  if (!Array.isArray(roles)) { roles = []; }
  if (roles.indexOf('break_glass') !== -1) {
    return callback(null, user, context);
  }
  if (roles.indexOf('ai_system_admin') !== -1) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: reads the roles from user_metadata, which users can edit themselves: an admin escapes
 * MFA by leaving it empty, anybody gets asked by writing the role there.
 * caught-by: test_role_holders_always_get_mfa, test_only_role_holders_get_mfa
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var roles = (user.user_metadata && user.user_metadata.roles) || [];
  if (typeof roles === 'string') { roles = [roles]; }
  if (!Array.isArray(roles)) { roles = []; }
  if (roles.indexOf('ai_system_admin') !== -1) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

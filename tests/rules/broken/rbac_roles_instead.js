/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: reads the RBAC roles (context.authorization.roles) while the tenant keeps this role in
 * app_metadata: admins from app_metadata never get MFA.
 * caught-by: test_role_holders_always_get_mfa, test_only_role_holders_get_mfa
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var roles = (context.authorization && context.authorization.roles) || [];
  if (roles.indexOf('ai_system_admin') !== -1) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: .includes() on the roles without checking the type: on a string it matches substrings,
 * so 'ai_system_admin_readonly' or ' ai_system_admin' get MFA (and a number crashes).
 * caught-by: test_only_role_holders_get_mfa
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (roles.includes('ai_system_admin')) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

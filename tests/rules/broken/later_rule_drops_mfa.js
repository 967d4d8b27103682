/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: a later rule trusts an internal dashboard and deletes the MFA requirement that the
 * admin rule set before it.
 * caught-by: test_no_rule_drops_mfa, test_role_holders_always_get_mfa
 * after: add-roles-claim
 */
function trustInternalDashboard(user, context, callback) {
  if (context.clientID === 'internalDashboardCl1entId000042') {
    delete context.multifactor;
  }
  callback(null, user, context);
}

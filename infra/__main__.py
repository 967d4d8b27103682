"""The Pulumi program (`pulumi up` from the repository root; Pulumi.yaml says `main: infra/`).

It deploys the tenant model (rules_src/tenant.toml) and exactly the rendered Actions of
rules_src/manifest.toml, and refuses unless a green `make test-rules` attested every one of
them (build/attestation.json). It holds no rule logic: see toolkit/_deploy.py.
"""

from pathlib import Path

from toolkit._deploy import deploy

deploy(Path(__file__).resolve().parent.parent)

"""Application factory: the table of contents of the web app."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from fieldapp import access
from fieldapp import backup
from fieldapp import command_line
from fieldapp import cron
from fieldapp import crypto
from fieldapp import db
from fieldapp import errors
from fieldapp import headers
from fieldapp import i18n
from fieldapp import inputs
from fieldapp import templating
from fieldapp import vault
from fieldapp.audit.routes import bp as audit_bp
from fieldapp.auth import cli as auth_cli
from fieldapp.auth import sessions
from fieldapp.auth.routes import bp as auth_bp
from fieldapp.cases import effects as cases_effects
from fieldapp.cases import retention as cases_retention
from fieldapp.cases.routes import bp as cases_bp
from fieldapp.config import DEFAULTS
from fieldapp.config import check_config
from fieldapp.courses import effects as courses_effects
from fieldapp.courses.routes import bp as courses_bp
from fieldapp.dashboard.routes import bp as dashboard_bp
from fieldapp.demo import cli as demo_cli
from fieldapp.devices import services as devices
from fieldapp.devices.routes import bp as devices_bp
from fieldapp.exports import cli as exports_cli
from fieldapp.exports.routes import bp as exports_bp
from fieldapp.extensions import csrf
from fieldapp.families import effects as families_effects
from fieldapp.families.routes import bp as families_bp
from fieldapp.home.routes import bp as home_bp
from fieldapp.prevention import effects as prevention_effects
from fieldapp.prevention.routes import bp as prevention_bp
from fieldapp.protection import cli as protection_cli
from fieldapp.protection import effects as protection_effects
from fieldapp.protection import retention
from fieldapp.protection.routes import bp as protection_bp
from fieldapp.push import cli as push_cli
from fieldapp.push.routes import bp as push_bp
from fieldapp.pwa import assets
from fieldapp.pwa.routes import bp as pwa_bp
from fieldapp.reports import cli as reports_cli
from fieldapp.reports.routes import bp as reports_bp
from fieldapp.submissions import effects
from fieldapp.submissions import forms_registry
from fieldapp.submissions.review import bp as review_bp
from fieldapp.submissions.routes import bp as submissions_bp
from fieldapp.sync_api.routes import bp as sync_api_bp
from fieldapp.users.routes import bp as users_bp


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of fieldapp."""
    # An installed wheel's default instance folder is inside its virtual environment:
    # FIELDAPP_INSTANCE_PATH puts the key files and the SQLite file somewhere lasting.
    instance = os.environ.get("FIELDAPP_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.path.abspath(instance) if instance else None,
    )
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_prefixed_env("FIELDAPP")
    else:
        app.config.update(test_config)
    check_config(app)

    inputs.init_app(app)  # first: bounds <int:...>, refuses unreadable input
    db.init_app(app)
    csrf.init_app(app)
    sessions.init_app(app)  # must run before i18n: the locale follows the user
    devices.init_app(app)  # after sessions: binds them to the device a request names
    i18n.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    templating.init_app(app)
    assets.init_app(app)  # scripts and style sheets sent minified
    forms_registry.init_app(app)
    # What stored submissions change, feature by feature, in this order.
    effects.register(
        app, stored=families_effects.on_stored, changed=families_effects.on_changed
    )
    effects.register(app, stored=courses_effects.on_stored)
    effects.register(app, stored=prevention_effects.on_stored)
    effects.register(app, stored=cases_effects.on_stored)  # after families'
    effects.register(app, stored=protection_effects.on_stored)
    crypto.init_app(app)
    app.jinja_env.globals["vault_fresh_sign_in"] = vault.recent_password_sign_in
    auth_cli.init_app(app)
    demo_cli.init_app(app)
    push_cli.init_app(app)
    exports_cli.init_app(app)
    cron.init_app(app)
    backup.init_app(app)
    protection_cli.init_app(app)
    reports_cli.init_app(app)
    retention.init_app(app)
    # When a case closed, and what its free text is, for the retention policy.
    retention.register(
        closures=cases_retention.closures, anonymiser=cases_retention.anonymise
    )

    app.register_blueprint(pwa_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(families_bp, url_prefix="/families")
    app.register_blueprint(cases_bp, url_prefix="/cases")
    app.register_blueprint(courses_bp, url_prefix="/courses")
    app.register_blueprint(prevention_bp, url_prefix="/students")
    app.register_blueprint(users_bp, url_prefix="/users")
    app.register_blueprint(audit_bp, url_prefix="/audit")
    app.register_blueprint(submissions_bp)
    app.register_blueprint(sync_api_bp, url_prefix="/api/v1")
    app.register_blueprint(devices_bp, url_prefix="/devices")
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(exports_bp, url_prefix="/exports")
    app.register_blueprint(push_bp)
    app.register_blueprint(protection_bp)
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    access.check_every_view_has_a_rule(app)
    command_line.init_app(app)  # last: wraps every command registered above
    return app

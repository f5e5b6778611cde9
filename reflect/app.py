"""The application factory."""
from __future__ import annotations

import logging
import os

from flask import Flask, abort

from reflect import config as settings
from reflect.db import Store
from reflect.rooms.packets import JsonPacket, guard_incoming



def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides what the ``REFLECT_*`` environment says."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("REFLECT_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path or None, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    app.config.update(settings.from_environment())
    app.config.update(config or {})
    settings.check(app.config)
    app.config["SECRET_KEY"] = app.config.get("REFLECT_SECRET_KEY") or settings.instance_secret_key(
        app.instance_path
    )
    app.config["REFLECT_DATABASE_URL"] = settings.normalise_database_url(
        app.config.get("REFLECT_DATABASE_URL") or settings.sqlite_url(app.instance_path)
    )
    secure = bool(app.config["REFLECT_HTTPS"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="reflect_session",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage(app.config),
        # a storage that does not answer raises limits' StorageError: a 503 page (errors.py)
        RATELIMIT_STORAGE_OPTIONS=settings.ratelimit_storage_options(app.config),
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_TRANSLATION_DIRECTORIES=os.path.join(app.root_path, "translations"),
        # times are stored in UTC; pages show them in the program's zone, as the review counts days
        BABEL_DEFAULT_TIMEZONE=app.config.get("REFLECT_TIMEZONE") or "UTC",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    logging.getLogger("reflect").setLevel(logging.INFO)

    store = Store(app.config["REFLECT_DATABASE_URL"], app.config["REFLECT_DATABASE_POOL_SIZE"],
                  app.config["REFLECT_DATABASE_POOL_TIMEOUT"])
    app.extensions["reflect.store"] = store
    from reflect.rooms.jobs import JOBS
    from reflect.rooms.process import Process

    app.extensions["reflect.process"] = Process(JOBS)  # what this process holds (rooms/process.py)
    app.teardown_appcontext(store.remove)

    _init_extensions(app)
    if not app.config["REFLECT_SOCKET_COMPRESSION"]:
        from reflect.socket_compression import RefusePerMessageDeflate

        app.wsgi_app = RefusePerMessageDeflate(app.wsgi_app)
    proxies = app.config["REFLECT_TRUSTED_PROXIES"]
    if proxies:  # behind nginx: the client's address and scheme come from the proxy
        from werkzeug.middleware.proxy_fix import ProxyFix

        # outside Socket.IO's middleware, so that socket handshakes are fixed too
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    from reflect import i18n, security, static_delivery, templating
    from reflect.extensions import babel, csrf, limiter, login_manager, socketio

    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    static_delivery.init_app(app)  # gzip, and versioned static files cached for a year
    # registers the Socket.IO events, one module per audience
    from reflect.rooms import display_events, facilitator_events, phone_events  # noqa: F401
    from reflect.rooms.socket_calls import counts_refused_events

    templating.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["REFLECT_ASYNC_MODE"],
        # always given (None: this process alone), so that no earlier app's stays behind
        client_manager=_message_queue(app.config),
        cors_allowed_origins=settings.allowed_origins(app.config.get("REFLECT_ALLOWED_ORIGINS")),
        max_http_buffer_size=app.config["REFLECT_SOCKET_MAX_MESSAGE_BYTES"],
        manage_session=False,
        serializer=JsonPacket,  # what reflect sends is JSON, never binary (see rooms/packets.py)
        ping_interval=10,
        ping_timeout=10,
        # Each socket's events are handled one after another, in the order sent, by the
        # green thread that reads the socket, rather than each in a green thread of its
        # own: a client's commands apply in the order it sent them, one client never
        # holds more than one database connection at a time, and no event waits for a
        # new green thread to be scheduled before it starts.
        async_handlers=False,
        logger=False,
        engineio_logger=False,
    )
    # malformed and binary packets dropped, lifecycle events sent as events refused (and counted)
    guard_incoming(socketio.server, counts_refused_events(
        app.extensions["reflect.process"], app.config["REFLECT_SOCKET_EVENTS_PER_10S"]))

    @app.context_processor
    def _template_globals():
        from flask_babel import get_locale

        return {"languages": i18n.LANGUAGES, "current_locale": str(get_locale() or "en")}


def _message_queue(config: dict):
    """The manager carrying emits to the other processes, or None for this one alone."""
    url = config.get("REFLECT_MESSAGE_QUEUE")
    if not url:
        return None
    if url.startswith(settings.REDIS_SCHEMES):
        from reflect.message_queue import QuietRedisManager

        return QuietRedisManager(url, config["REFLECT_MESSAGE_QUEUE_CHANNEL"])
    import socketio as python_socketio

    return python_socketio.KombuManager(url, channel=config["REFLECT_MESSAGE_QUEUE_CHANNEL"])


def _register_blueprints(app: Flask) -> None:
    from reflect.admin.views import bp as admin_bp
    from reflect.auth import views as auth_views

    from reflect.facilitate.views import bp as facilitate_bp
    from reflect.join.views import bp as join_bp

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(facilitate_bp)
    app.register_blueprint(join_bp)
    from reflect.decks.views import bp as decks_bp
    app.register_blueprint(decks_bp)
    from reflect.review.views import bp as review_bp
    app.register_blueprint(review_bp)
    from reflect.hours.views import bp as hours_bp
    app.register_blueprint(hours_bp)
    auth_views.init_login(app)
    _socket_path_route(app)
    from reflect.errors import init_app as init_errors
    from reflect.input_guard import init_app as init_input_guard

    init_errors(app)
    init_input_guard(app)


def _socket_path_route(app: Flask) -> None:
    """A route on the Socket.IO path, which Flask itself never serves (Socket.IO's
    middleware answers it first). Every socket event runs in a request context made from
    the socket's handshake request; with no route there, Flask stores a NotFound, with its
    traceback and frames, in each context: a reference cycle the collector has to find,
    about 70 objects an event, and in a busy process full collections that stopped every
    socket for 85 ms. Matched, the context holds no exception.

    Two rules, because Werkzeug matches a websocket handshake (``Upgrade: websocket``)
    only against websocket rules, and raises WebsocketMismatch, with the same cycle, when
    only a plain rule has the path: phones and the console use the websocket transport."""

    def _socket_path():
        abort(404)

    # a handshake is a GET, by long-polling or as a websocket upgrade
    app.add_url_rule("/socket.io/", endpoint="socketio_path", view_func=_socket_path, strict_slashes=False)
    app.add_url_rule("/socket.io/", endpoint="socketio_websocket", view_func=_socket_path, strict_slashes=False,
                     websocket=True)

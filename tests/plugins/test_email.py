"""Email channel against a real SMTP server (aiosmtpd) with STARTTLS, implicit TLS and AUTH."""

from __future__ import annotations

from email.headerregistry import Address
from pathlib import Path
from typing import Any

import pytest

from sopengine.channels import ChannelConfigError, ChannelContext, Ok, Permanent, Retryable
from sopengine.testing import SAMPLE_DUE, ActionFactory, TargetFactory
from sopengine_email import EmailChannel
from sopengine_email.compose import message_id


from .servers import BUSY, LATER, PASSWORD, REFUSED, USER, Mailbox, free_port
from sopengine.words import say

NOTE = say("note.mark")

SENDER = "社群运营小助手 <ops-bot@example.com>"
ENV = {"SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD}


def email_channel(port: int, ca_file: Path | None, **options: Any) -> EmailChannel:
    base = {"host": "127.0.0.1", "port": port, "security": "starttls", "username_env": "SMTP_USER",
            "password_env": "SMTP_PASSWORD", "from": SENDER, "timeout": 5, "ca_file": str(ca_file) if ca_file else None}
    return EmailChannel(ChannelContext(env=ENV, now=lambda: SAMPLE_DUE, options={**base, **options}))


@pytest.fixture
def mail(smtp_server: tuple[Mailbox, int], ca_file: Path) -> EmailChannel:
    return email_channel(smtp_server[1], ca_file)


def to(sample_target: TargetFactory, *addresses: str):  # type: ignore[no-untyped-def]
    return sample_target({"to": list(addresses)})


def test_multipart_mail_over_starttls_with_login(mail: EmailChannel, smtp_server: tuple[Mailbox, int],
                                                 sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    mailbox, _ = smtp_server
    action = sample_action("morning_post")
    [draft] = mail.render(action, to(sample_target, "小雅 <xiaoya@example.com>", "ops@example.com"))
    result = mail.send(draft, action.key)
    assert result == Ok(provider_id=message_id(action.key, SENDER))
    [got] = mailbox.received
    assert got.tls and got.authenticated
    assert got.rcpt_tos == ["xiaoya@example.com", "ops@example.com"]
    msg = got.message
    assert msg["Subject"] == "【PPT打卡营·12月A班】早安☀️ 打卡第1天：对齐是排版的第一原则。"
    assert b"=?utf-8?" in got.data  # non-ASCII headers travel RFC 2047-encoded
    assert msg["From"].addresses == (Address("社群运营小助手", "ops-bot", "example.com"),)
    assert msg["To"].addresses[0].display_name == "小雅"
    assert msg["Message-ID"] == message_id(action.key, SENDER)
    assert msg["X-Sopengine-Key"].strip() == action.key  # long values are folded
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert plain.replace("\r\n", "\n").startswith(action.text)
    assert "今天的作业：把一页文字稿改成三栏布局。" in page and "<br>" in page


def test_message_id_follows_the_idempotency_key(mail: EmailChannel, smtp_server: tuple[Mailbox, int],
                                                sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    action = sample_action("topic")
    [draft] = mail.render(action, to(sample_target, "ops@example.com"))
    for key in (action.key, action.key, action.key + "#2"):
        assert isinstance(mail.send(draft, key), Ok)
    ids = [r.message["Message-ID"] for r in smtp_server[0].received]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].endswith("@example.com>")


def test_implicit_tls(smtps_server: tuple[Mailbox, int], ca_file: Path, sample_target: TargetFactory,
                      sample_action: ActionFactory) -> None:
    channel = email_channel(smtps_server[1], ca_file, security="ssl")
    [draft] = channel.render(sample_action("rules"), to(sample_target, "ops@example.com"))
    assert isinstance(channel.send(draft, "k"), Ok)
    [got] = smtps_server[0].received
    assert got.tls and got.authenticated


def test_a_refused_recipient_is_a_partial_success(mail: EmailChannel, smtp_server: tuple[Mailbox, int],
                                                  sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    [draft] = mail.render(sample_action("topic"), to(sample_target, "ops@example.com", REFUSED))
    result = mail.send(draft, "k")
    assert isinstance(result, Ok)
    assert result.detail == f"refused: {REFUSED} (550 5.1.1 No such mailbox)"
    assert [r.rcpt_tos for r in smtp_server[0].received] == [["ops@example.com"]]


@pytest.mark.parametrize(("recipients", "kind", "reason"), [
    ([REFUSED], Permanent, "all recipients refused"),
    ([LATER], Retryable, "all recipients refused"),
    ([REFUSED, LATER], Permanent, "all recipients refused"),
    ([BUSY], Retryable, "SMTP 451"),
])
def test_refusals(mail: EmailChannel, smtp_server: tuple[Mailbox, int], sample_target: TargetFactory,
                  sample_action: ActionFactory, recipients: list[str], kind: type, reason: str) -> None:
    [draft] = mail.render(sample_action("topic"), to(sample_target, *recipients))
    result = mail.send(draft, "k")
    assert isinstance(result, (Retryable, Permanent)) and isinstance(result, kind), result
    assert result.reason.startswith(reason), result
    assert smtp_server[0].received == []


def test_wrong_password_is_permanent_and_not_echoed(smtp_server: tuple[Mailbox, int], ca_file: Path,
                                                    sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    channel = EmailChannel(ChannelContext(env={"SMTP_USER": USER, "SMTP_PASSWORD": "wrong-password-x"}, options={
        "host": "127.0.0.1", "port": smtp_server[1], "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD",
        "from": SENDER, "ca_file": str(ca_file)}))
    [draft] = channel.render(sample_action("topic"), to(sample_target, "ops@example.com"))
    result = channel.send(draft, "k")
    assert isinstance(result, Permanent) and result.reason.startswith("SMTP 535")
    assert "wrong-password-x" not in result.reason and USER not in result.reason


def test_a_non_ascii_login_is_permanent(smtp_server: tuple[Mailbox, int], ca_file: Path,
                                       sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    channel = EmailChannel(ChannelContext(env={"SMTP_USER": USER, "SMTP_PASSWORD": "密码-x"}, options={
        "host": "127.0.0.1", "port": smtp_server[1], "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD",
        "from": SENDER, "ca_file": str(ca_file)}))
    [draft] = channel.render(sample_action("topic"), to(sample_target, "ops@example.com"))
    assert channel.send(draft, "k") == Permanent("the SMTP login (username_env/password_env) must be ASCII")


def test_missing_login_env_is_permanent(smtp_server: tuple[Mailbox, int], ca_file: Path,
                                        sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    channel = EmailChannel(ChannelContext(env={}, options={
        "host": "127.0.0.1", "port": smtp_server[1], "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD",
        "from": SENDER, "ca_file": str(ca_file)}))
    [draft] = channel.render(sample_action("topic"), to(sample_target, "ops@example.com"))
    assert channel.send(draft, "k") == Permanent("env var SMTP_USER, SMTP_PASSWORD is not set")


def test_plain_smtp_to_a_server_requiring_starttls_is_permanent(
        smtp_server: tuple[Mailbox, int], sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    channel = email_channel(smtp_server[1], None, security="none", username_env=None, password_env=None)
    [draft] = channel.render(sample_action("topic"), to(sample_target, "ops@example.com"))
    result = channel.send(draft, "k")
    assert isinstance(result, Permanent) and result.reason.startswith("SMTP 530")


def test_an_untrusted_certificate_is_permanent(smtp_server: tuple[Mailbox, int], sample_target: TargetFactory,
                                               sample_action: ActionFactory) -> None:
    channel = email_channel(smtp_server[1], None)  # the system CAs do not know the test CA
    [draft] = channel.render(sample_action("topic"), to(sample_target, "ops@example.com"))
    result = channel.send(draft, "k")
    assert isinstance(result, Permanent) and result.reason.startswith("TLS failed")


def test_no_server_is_retryable(ca_file: Path, sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    channel = email_channel(free_port(), ca_file)
    [draft] = channel.render(sample_action("topic"), to(sample_target, "ops@example.com"))
    result = channel.send(draft, "k")
    assert isinstance(result, Retryable) and "ConnectionRefusedError" in result.reason


def test_a_line_break_in_a_header_is_refused(mail: EmailChannel, smtp_server: tuple[Mailbox, int],
                                             sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    target = sample_target({"to": ["ops@example.com"]}, group_name="PPT营\r\nBcc: victim@example.com")
    [draft] = mail.render(sample_action("topic"), target)
    assert mail.send(draft, "k") == Permanent("refused to send: Subject contains a line break")
    assert smtp_server[0].received == []


def test_survey_and_operator_notes(mail: EmailChannel, sample_target: TargetFactory,
                                   sample_action: ActionFactory) -> None:
    target = to(sample_target, "ops@example.com")
    text = ("【两周打卡反馈】\n说说你的感受\n1. 每天的早报有帮助吗？\n"
            "   A. 很有帮助\n   B. 一般\n   C. 没帮助\n2. 你最希望增加什么内容？")
    [survey] = mail.render(sample_action("survey", text=text), target)
    assert survey.subject == "【PPT打卡营·12月A班】问卷：两周打卡反馈"
    assert "<p>说说你的感受</p><ol><li>每天的早报有帮助吗？<ol type=\"A\"><li>很有帮助</li>" in survey.html
    [note] = mail.render(sample_action("red_packet", "send"), target)
    assert note.subject.startswith(f"【PPT打卡营·12月A班】{NOTE}发红包")
    assert note.text.startswith(NOTE)


def test_html_is_escaped(mail: EmailChannel, sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    action = sample_action("message", text="<script>x</script> & 更多")
    [draft] = mail.render(action, to(sample_target, "a@example.com"))
    assert "<script>" not in draft.html and "&lt;script&gt;x&lt;/script&gt; &amp; 更多" in draft.html


@pytest.mark.parametrize(("settings", "message"), [
    ({}, "no channels.email.to"),
    ({"to": []}, "no channels.email.to"),
    ({"to": ["not-an-address"]}, "not one email address"),
    ({"to": ["a@example.com, b@example.com"]}, "not one email address"),
])
def test_render_refuses_unusable_settings(mail: EmailChannel, sample_target: TargetFactory,
                                          sample_action: ActionFactory, settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ChannelConfigError, match=message):
        mail.render(sample_action("message"), sample_target(settings))


def test_render_needs_a_sender(sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    with pytest.raises(ChannelConfigError, match="'from'"):
        EmailChannel(ChannelContext()).render(sample_action("message"), to(sample_target, "a@example.com"))


def test_unknown_security_is_refused() -> None:
    with pytest.raises(ChannelConfigError, match="security"):
        EmailChannel(ChannelContext(options={"security": "tls"}))

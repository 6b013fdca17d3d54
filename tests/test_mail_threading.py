"""Message-IDs and subject tags that thread a ticket's mails."""

from frontdesk.mail.threading import (
    make_message_id,
    number_from_subject,
    subject_tag,
    ticket_id_from_message_id,
    ticket_thread_id,
)


def test_message_id_names_its_ticket_and_is_unique():
    first = make_message_id(ticket_id=42, part="m7", domain="help.example")
    second = make_message_id(ticket_id=42, part="m7", domain="help.example")
    assert first != second
    assert first.startswith("<frontdesk.t42.m7.") and first.endswith("@help.example>")
    assert ticket_id_from_message_id(first) == 42
    assert ticket_id_from_message_id(ticket_thread_id(ticket_id=9, domain="x.example")) == 9


def test_hostile_parts_and_domains_cannot_break_the_header():
    value = make_message_id(ticket_id=1, part="a b>\r\nBcc: x", domain="evil>\r\n.example")
    assert "\r" not in value and "\n" not in value and value.count(">") == 1
    assert ticket_id_from_message_id(value) == 1


def test_foreign_and_empty_ids_are_not_ours():
    assert ticket_id_from_message_id("") is None
    assert ticket_id_from_message_id("<abc.t42@mail.example>") is None
    assert ticket_id_from_message_id("<CAF=x@mail.gmail.com> <frontdesk.t7.thread@h>") == 7


def test_subject_tag_round_trip():
    assert subject_tag("1042") == "[#1042]"
    assert number_from_subject("Re: [#1042] Printer on fire") == "1042"
    assert number_from_subject("AW: Re: [#7] [#8] two") == "7"
    assert number_from_subject("Printer #1042 on fire") is None
    assert number_from_subject("") is None

"""Users and departments: one user table for customers, agents and administrators."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from frontdesk.db.meta import Base, utcnow

agent_departments = Table(
    "agent_departments",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Role(enum.StrEnum):
    """The built-in roles every user has exactly one of (also ``frontdesk.Role``)."""

    CUSTOMER = "customer"
    AGENT = "agent"
    ADMINISTRATOR = "administrator"


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: ``name`` case-folded, kept in step by the model: unique in the database, so that
    #: two concurrent requests cannot save "Sales" and "sales".
    name_key: Mapped[str] = mapped_column(String(400), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    customer_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    agents: Mapped[list[User]] = relationship(
        secondary=agent_departments, back_populates="departments"
    )

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        self.name_key = name.casefold()
        return name


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: As typed at creation; ``login_key`` (lower case) is what must be unique.
    username: Mapped[str] = mapped_column(String(150))
    login_key: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    role: Mapped[str] = mapped_column(String(20), default=Role.CUSTOMER.value, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    #: Raised on logout-everywhere, password change and deactivation: older sessions die.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    #: The language the user chose (``"de"``); ``None`` follows the defaults.
    locale: Mapped[str | None] = mapped_column(String(35), default=None)
    #: The IANA time zone the user chose (``"Europe/Berlin"``); ``None`` follows the defaults.
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    #: Agents: appended to each of their replies (plain text; ``None``: no signature).
    signature: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[Department]] = relationship(
        secondary=agent_departments, back_populates="agents"
    )

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.AGENT, Role.ADMINISTRATOR)

    def __init__(self, **kw: object) -> None:
        if "username" in kw and "login_key" not in kw:
            kw["login_key"] = str(kw["username"]).casefold()
        kw.setdefault("display_name", kw.get("username"))
        super().__init__(**kw)

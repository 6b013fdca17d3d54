import datetime as dt

from frontdesk.db.meta import Base, utcnow
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column


class Greeting(Base):
    __tablename__ = "hello_greetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

"""Demo online course (互联网+培训) for the worker's phone pages, written through the services. It sets no
minimum per lesson, so each lesson asks for its share of the course's hours (services.lesson_minimum)."""

from __future__ import annotations

import datetime

from careforce.core.models import User
from careforce.training import services

ONLINE_COURSE = ("居家与机构防跌倒（线上）", "2")
LESSONS = [
    ("跌倒风险评估", 20, "认识高龄、用药、视力和环境带来的跌倒风险，学会用评估表逐项检查。"),
    ("居室与通道的安全布置", 20, "地面防滑、夜间照明、扶手与床栏的设置要点。"),
    ("协助转移与行走", 25, "床椅转移、助行器使用和陪同行走的正确姿势。"),
    ("跌倒后的处置与报告", 15, "先评估再搬动，观察与记录，按机构流程报告家属和医生。"),
]


def load(actor: User, today: datetime.date) -> int:
    """A city-tier online course open for the year, with its lessons; the number of lessons."""
    title, hours = ONLINE_COURSE
    course = services.course_create(
        actor=actor, data={"title": title, "kind": "online", "tier": "city", "hours": hours}
    )
    services.session_schedule(
        actor=actor,
        course=course,
        data={
            "start_date": today - datetime.timedelta(days=30),
            "end_date": today + datetime.timedelta(days=335),
            "venue": "",
            "capacity": 100000,
        },
    )
    for lesson_title, minutes, content in LESSONS:
        services.lesson_add(
            actor=actor, course=course, data={"title": lesson_title, "minutes": minutes, "content": content}
        )
    return len(LESSONS)

"""Small helpers shared by the storage tests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.orgfile import LoadReport, load_org, parse_org_file


async def load_text(session: AsyncSession, text: str) -> LoadReport:
    return await load_org(session, parse_org_file(text))

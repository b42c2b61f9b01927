"""Pages of the customer portal (/portal) and the status page (/status/{token})."""

from fastapi import APIRouter

router = APIRouter()

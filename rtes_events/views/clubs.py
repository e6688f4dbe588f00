from flask import Blueprint

bp = Blueprint("clubs", __name__)

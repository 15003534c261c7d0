from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("auth/register", views.UserRegisterView.as_view(), name="register"),
    path("auth/login", views.UserLoginView.as_view(), name="login"),
    path("auth/refresh", views.TokenRefreshView.as_view(), name="refresh"),
    path("auth/logout", views.UserLogoutView.as_view(), name="logout"),
    # auth/me (GET and DELETE) is routed by the privacy app, which owns account deletion.
    path("auth/verify-email", views.EmailVerifyView.as_view(), name="verify-email"),
    path(
        "auth/resend-verification",
        views.EmailVerificationResendView.as_view(),
        name="resend-verification",
    ),
    path("auth/password-reset", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("auth/change-password", views.PasswordChangeView.as_view(), name="change-password"),
]

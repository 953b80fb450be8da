using EdgeCommerce.Cli;

return await CliApplication.RunAsync(args, CliContext.CreateDefault());
